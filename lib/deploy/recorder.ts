/**
 * Records a deploy run's progress in the database while the engine runs: every step (status, log)
 * and every target's state, as the events come.
 *
 * Group commit: the events of all hosts go into one pending set (the newest state per step and per
 * target: a step that started and finished before the next write is written once), written in one
 * transaction (at most every FLUSH_MS) while the previous one is committing: the steps of a batch
 * in one statement (an upsert of the rows of one JSON parameter) and its targets in another, both on
 * the transaction's own connection (lib/db/direct.ts), since every operation through the ORM costs
 * the server's one thread about a millisecond, and more for a large parameter (a step's log holds
 * the diff). Writing them one by one in order (what the
 * service did) cost ~300 sequential commits for 10 hosts, and the engine's hosts waited on that
 * thread: deploying 10 hosts took 2.7x one host, against 1.8x for the engine alone (bench/deploy.ts).
 * The live progress does not wait for this: the engine's events are streamed as they come.
 */
import type { PrismaClient } from "@prisma/client";
import { bulkUpdate, runJsonStatement } from "@/lib/db/bulk";
import { selectJsonRows } from "@/lib/db/sql";
import type { DeployEvent, StepRecord, TargetResult } from "./engine";

type Db = Pick<PrismaClient, "$transaction">;

/** The target columns a batch sets, in the order of its rows (after the id). */
const TARGET_COLUMNS = ["status", "failedStep", "error", "errorCode", "liveHashBefore", "files", "finishedAt"] as const;

/** The longest a recorded event waits before its batch is written. */
export const FLUSH_MS = 25;

/** How Prisma's SQLite adapter writes a DateTime (so the raw statement's rows read back as Dates; PostgreSQL casts the same text). */
const sqliteDate = (iso: string | undefined) => (iso ? new Date(iso).toISOString().replace("Z", "+00:00") : null);

const STEP_COLUMNS = ["targetRunId", "position", "name", "status", "startedAt", "finishedAt", "log"] as const;
/** Built on first use: the dialect is the process's database's (lib/db/sql.ts). */
let upsertSteps: string | null = null;
const UPSERT_STEPS = () =>
  (upsertSteps ??= `INSERT INTO "DeployStep" (${STEP_COLUMNS.map((c) => `"${c}"`).join(", ")})
${selectJsonRows("DeployStep", STEP_COLUMNS, 1)}
ON CONFLICT ("targetRunId", "position") DO UPDATE SET "status" = excluded."status", "finishedAt" = excluded."finishedAt", "log" = excluded."log"`);

export interface RunRecorder {
  /** Takes an engine event (never throws, never waits). */
  onEvent(e: DeployEvent): void;
  /** Resolves once everything taken so far is written. */
  flush(): Promise<void>;
}

export function createRunRecorder(db: Db, rows: ReadonlyMap<string, number>, o: { onError?: (err: unknown) => void } = {}): RunRecorder {
  const steps = new Map<string, { targetRunId: number; step: StepRecord }>();
  const targets = new Map<number, TargetResult>();
  let writing: Promise<void> | null = null;
  let timer: NodeJS.Timeout | null = null;
  const onError = o.onError ?? ((err: unknown) => console.error("deploy: recording the run failed", err));

  const writeBatch = async (): Promise<void> => {
    while (steps.size || targets.size) {
      const s = [...steps.values()];
      const t = [...targets.entries()];
      steps.clear();
      targets.clear();
      const rows = s.map(({ targetRunId, step }) => [targetRunId, step.index, step.name, step.status, sqliteDate(step.startedAt), sqliteDate(step.finishedAt), step.log]);
      const targetRows = t.map(([id, r]) => [id, r.status, r.failedStep ?? null, r.error ?? null, r.errorCode ?? null, r.liveHashBefore ?? null, r.files ?? [], r.finishedAt ? new Date(r.finishedAt) : null]);
      try {
        await db.$transaction(async (tx) => {
          if (rows.length) await runJsonStatement(tx, UPSERT_STEPS(), JSON.stringify(rows));
          await bulkUpdate(tx, "DeployTargetRun", TARGET_COLUMNS, targetRows);
        });
      } catch (err) {
        onError(err);
      }
    }
  };
  const kick = () => {
    if (writing) return;
    writing = writeBatch().finally(() => {
      writing = null;
      if (steps.size || targets.size) kick();
    });
  };

  return {
    onEvent(e) {
      const id = rows.get(e.type === "step" ? e.targetKey : e.target.key);
      if (!id) return;
      if (e.type === "step") steps.set(`${id}:${e.step.index}`, { targetRunId: id, step: { ...e.step } });
      else targets.set(id, e.target);
      // Written a moment later, so that the events of the hosts' steps go in together.
      if (!timer) {
        timer = setTimeout(() => {
          timer = null;
          kick();
        }, FLUSH_MS);
      }
    },
    async flush() {
      if (timer) {
        clearTimeout(timer);
        timer = null;
      }
      while (writing || steps.size || targets.size) {
        if (!writing) kick();
        await writing;
      }
    },
  };
}
