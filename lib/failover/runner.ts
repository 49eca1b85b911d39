/**
 * The persisted step runner behind promotions and re-attaches.
 *
 * An operation is a Promotion row with its PromotionStep rows, written before anything changes:
 * a step is marked `running` before it acts and `ok`/`skipped`/`failed` after, with its log; the
 * facts it learns (fenced LSN, timelines ...) go into Promotion.state before the next step. So a
 * process that dies at any instant leaves enough in the database for resume():
 *
 *  - the point of no return (promotion: `promote`; re-attach: `pg_rewind`) not started yet:
 *    roll back (a switchover restarts the primary it stopped) -> `rolled_back`;
 *  - started: roll forward, re-running every step not `ok` (each step is idempotent: `promote`
 *    first checks whether the target is still in recovery) -> `succeeded`, or `failed` with the
 *    step and the error when the target cannot be reached.
 *
 * The point-of-no-return step itself failing is rolled back when the operation's definition says
 * PostgreSQL proves nothing happened (promotion: pg_promote was never sent, or it raised an error
 * and the target is still in recovery). A step throwing StepRefused (a check inside the
 * operation, before anything changed) ends the operation `refused`.
 *
 * startOperation() is the one way to create an operation (promotion, re-attach, Director switch,
 * fence): a second one while another runs on the cluster throws OperationRunning with its id.
 *
 * One operation per cluster: Promotion.activeKey = "cluster:<id>" while running, under a unique
 * index (NULL once finished), so a concurrent second insert fails in the database itself.
 * Ownership across instances: the lease `op:<id>` (lib/cluster/lease.ts), taken in the transaction
 * that creates the operation and renewed while it runs; Promotion.owner names the instance
 * (lib/cluster/instance.ts). Before each step the runner checks it still holds the lease and stops,
 * writing nothing more, when it does not (another instance resumes it). resumeOperations() (at
 * start-up and in every instance's take-over loop) only takes operations whose lease expired or
 * whose owner process is dead on this machine, by taking the lease: one instance wins.
 */
import type { OperationKind } from "@/lib/audit/actions";
import type { AuditInput } from "@/lib/audit";
import type { Prisma, PrismaClient } from "@prisma/client";
import { audit } from "@/lib/audit";
import { INSTANCE_ID, leaseMs, ownerGone } from "@/lib/cluster/instance";
import { acquireLease, HeldLease, LeaseLost, readLease, releaseLease, takeOver, tryAcquire } from "@/lib/cluster/lease";
import type { Tx } from "@/lib/db/client";
import { OperationRunning, StepRefused } from "./errors";
import { OperationSession } from "./session";
import type { OperationStatus, PromotionView, StepStatus } from "./types";

export const OWNER = INSTANCE_ID;
export const STALE_MS = 5 * 60_000;
export const ROLLBACK_POSITION = 100;

export type PromotionRow = Prisma.PromotionGetPayload<{ include: { steps: true } }>;

export interface RunnerDeps {
  db: PrismaClient;
  /** Tests: called once a step is persisted as finished (the test child is killed in there). */
  afterStep?: (step: string, promotionId: number) => Promise<void> | void;
}

export interface StepContext<D extends RunnerDeps = RunnerDeps> {
  deps: D;
  promotion: PromotionRow;
  /** Facts persisted in Promotion.state (never secrets in clear). */
  state: Record<string, unknown>;
  /** Connections kept from one step to the next while this process runs the operation. */
  session: OperationSession;
  log(line: string): Promise<void>;
  saveState(): Promise<void>;
  /** Columns of the Promotion row to write with the step's end (no write of their own). */
  setColumns(data: { preflight?: unknown; lastKnownLagBytes?: number | null }): void;
}

export interface StepDef<D extends RunnerDeps = RunnerDeps> {
  name: string;
  run(ctx: StepContext<D>): Promise<"ok" | "skipped" | void>;
}

export interface OperationDef<D extends RunnerDeps = RunnerDeps> {
  steps(promotion: PromotionRow): StepDef<D>[];
  pointOfNoReturn: string;
  /** Undo what the steps before the point of no return did; returns a log line. */
  rollback(ctx: StepContext<D>): Promise<string>;
  /**
   * The point-of-no-return step failed: may it still be rolled back (nothing happened, as the
   * database itself shows)? Default: no.
   */
  canRollBackFailedPointOfNoReturn?(ctx: StepContext<D>, err: unknown): Promise<boolean>;
}

const defs = new Map<string, OperationDef<never>>();
export function registerOperation<D extends RunnerDeps>(kind: string, def: OperationDef<D>): void {
  defs.set(kind, def as unknown as OperationDef<never>);
}

/** Operations this process runs right now (ids). */
const runningHere = ((globalThis as unknown as { __bhdFailoverRunning?: Set<number> }).__bhdFailoverRunning ??= new Set<number>());

export function isRunningHere(id: number): boolean {
  return runningHere.has(id);
}

/**
 * Whether nobody runs this operation any more, by its row alone (an operation without a lease
 * row, made before leases): its owner is gone on this machine, or silent for STALE_MS elsewhere.
 */
export function isStale(p: { owner: string | null; heartbeatAt: Date | null; id: number }, now = Date.now()): boolean {
  if (!p.owner) return true;
  if (p.owner === OWNER) return !runningHere.has(p.id);
  if (ownerGone(p.owner)) return true;
  return !p.heartbeatAt || now - p.heartbeatAt.getTime() > STALE_MS;
}

export function operationLeaseName(id: number): string {
  return `op:${id}`;
}

/** Leases of operations this process created to run itself (startOperation, background). */
const createdHere = ((globalThis as unknown as { __bhdFailoverLeases?: Map<number, HeldLease> }).__bhdFailoverLeases ??= new Map<number, HeldLease>());

/**
 * Takes an operation that nobody runs any more: its lease expired or its owner is dead on this
 * machine (by the lease, so one instance only wins); without a lease row, by isStale().
 */
async function takeOverOperation(db: PrismaClient, p: { id: number; owner: string | null; heartbeatAt: Date | null }): Promise<HeldLease | null> {
  const name = operationLeaseName(p.id);
  const row = await readLease(db, name);
  if (!row && !isStale(p)) return null;
  if (row && row.owner === OWNER && runningHere.has(p.id)) return null;
  const sent = performance.now();
  const token = row ? await takeOver(db, name, leaseMs()) : await tryAcquire(db, name, leaseMs());
  return token === null ? null : new HeldLease(db, name, token, leaseMs(), sent);
}

export function activeKey(clusterId: number): string {
  return `cluster:${clusterId}`;
}

export function isUniqueViolation(err: unknown): boolean {
  return (err as { code?: string } | null)?.code === "P2002";
}

export async function loadPromotion(db: PrismaClient, id: number): Promise<PromotionRow | null> {
  return db.promotion.findUnique({ where: { id }, include: { steps: { orderBy: { position: "asc" } } } });
}

function json(v: unknown): Prisma.InputJsonValue {
  return JSON.parse(JSON.stringify(v ?? {})) as Prisma.InputJsonValue;
}

/** Keys of Promotion.state that must not leave the server (encrypted blobs). */
const PRIVATE_STATE = /Enc$/;

export function toView(p: PromotionRow): PromotionView {
  const facts: Record<string, unknown> = {};
  for (const [k, v] of Object.entries((p.state ?? {}) as Record<string, unknown>)) if (!PRIVATE_STATE.test(k)) facts[k] = v;
  return {
    id: p.id,
    clusterId: p.clusterId,
    kind: p.kind as PromotionView["kind"],
    mode: p.mode,
    status: p.status as OperationStatus,
    targetMemberId: p.targetMemberId,
    targetName: p.targetName,
    oldPrimaryId: p.oldPrimaryId,
    oldPrimaryName: p.oldPrimaryName,
    actor: p.actor,
    forced: p.forced,
    forceReason: p.forceReason,
    unfenced: p.unfenced,
    unfencedReason: p.unfencedReason,
    lastKnownLagBytes: p.lastKnownLagBytes,
    error: p.error,
    startedAt: p.startedAt.toISOString(),
    finishedAt: p.finishedAt?.toISOString() ?? null,
    facts,
    steps: p.steps.map((s) => ({
      position: s.position,
      name: s.name,
      status: s.status as StepStatus,
      startedAt: s.startedAt?.toISOString() ?? null,
      finishedAt: s.finishedAt?.toISOString() ?? null,
      log: s.log,
      detail: s.detail ?? null,
    })),
  };
}

/** A running step's row as this process knows it (the only writer while it runs). */
interface StepCursor {
  id: number;
  log: string;
  /** Log lines not yet written. */
  dirty: boolean;
}

/** Buffered log writes: at most one write per LOG_FLUSH_MS while a step runs, the rest with the step's end. */
const LOG_FLUSH_MS = 250;

function makeContext<D extends RunnerDeps>(
  deps: D,
  p: PromotionRow,
  state: Record<string, unknown>,
  session: OperationSession,
  step: () => StepCursor | null,
  /** Throws LeaseLost when this process no longer holds the operation (checked before state is made durable). */
  guard: () => void = () => undefined,
): StepContext<D> & { flush(): Promise<void>; columns(): Prisma.PromotionUpdateInput } {
  let timer: NodeJS.Timeout | null = null;
  const cols: Prisma.PromotionUpdateInput = {};
  const flush = async () => {
    if (timer) clearTimeout(timer);
    timer = null;
    const s = step();
    if (!s || !s.dirty) return;
    s.dirty = false;
    await deps.db.promotionStep.update({ where: { id: s.id }, data: { log: s.log } });
  };
  const ctx = {
    deps,
    promotion: p,
    state,
    session,
    async log(line: string) {
      const s = step();
      if (!s) return;
      const stamp = new Date().toISOString().slice(11, 23);
      s.log = `${s.log}${stamp} ${line}\n`;
      s.dirty = true;
      if (!timer) {
        timer = setTimeout(() => void flush().catch(() => undefined), LOG_FLUSH_MS);
        timer.unref?.();
      }
    },
    async saveState() {
      guard();
      const s = step();
      const logData = s && s.dirty ? { log: s.log } : null;
      if (s) s.dirty = false;
      if (logData && s) {
        await deps.db.$transaction([
          deps.db.promotion.update({ where: { id: p.id }, data: { state: json(state), heartbeatAt: new Date() } }),
          deps.db.promotionStep.update({ where: { id: s.id }, data: logData }),
        ]);
      } else {
        await deps.db.promotion.update({ where: { id: p.id }, data: { state: json(state), heartbeatAt: new Date() } });
      }
    },
    flush,
    setColumns(data: { preflight?: unknown; lastKnownLagBytes?: number | null }) {
      if (data.preflight !== undefined) cols.preflight = json(data.preflight);
      if (data.lastKnownLagBytes !== undefined) cols.lastKnownLagBytes = data.lastKnownLagBytes;
    },
    columns: () => cols,
  };
  return ctx;
}

export function auditPrefix(kind: string): OperationKind {
  return kind === "reattach" ? "reattach" : kind === "director" ? "director_switch" : kind === "fence" ? "fence" : kind === "drill" ? "drill" : "promotion";
}

function auditEntry(p: PromotionRow, step: string, status: string, extra: Record<string, unknown> = {}): AuditInput {
  return {
    actor: p.actor,
    action: `${auditPrefix(p.kind)}.${step}` as const,
    entityType: "catalog-cluster",
    entityId: p.clusterId,
    entityName: p.targetName,
    after: { promotionId: p.id, mode: p.mode, step, status, ...extra },
  };
}

async function auditStep(deps: RunnerDeps, p: PromotionRow, step: string, status: string, extra: Record<string, unknown> = {}) {
  await audit(auditEntry(p, step, status, extra), deps.db as unknown as Tx).catch(() => undefined);
}

async function finish(deps: RunnerDeps, p: PromotionRow, status: OperationStatus, error: string | null) {
  await deps.db.$transaction(async (tx) => {
    await tx.promotionStep.updateMany({ where: { promotionId: p.id, status: "pending" }, data: { status: "skipped" } });
    await tx.promotion.update({
      where: { id: p.id },
      data: { status, error, activeKey: null, finishedAt: new Date(), heartbeatAt: new Date() },
    });
    await audit(auditEntry(p, "finished", status, error ? { error } : {}), tx);
  });
}

async function rollbackAndFinish<D extends RunnerDeps>(def: OperationDef<D>, deps: D, p: PromotionRow, cause: string, session: OperationSession, state?: Record<string, unknown>): Promise<OperationStatus> {
  const row = await deps.db.promotionStep.upsert({
    where: { promotionId_position: { promotionId: p.id, position: ROLLBACK_POSITION } },
    create: { promotionId: p.id, position: ROLLBACK_POSITION, name: "rollback", status: "running", startedAt: new Date() },
    update: { status: "running", startedAt: new Date() },
  });
  const cur: StepCursor = { id: row.id, log: row.log, dirty: false };
  const fresh = (await loadPromotion(deps.db, p.id))!;
  const ctx = makeContext(deps, fresh, state ?? { ...((fresh.state ?? {}) as Record<string, unknown>) }, session, () => cur);
  await ctx.log(`rolling back: ${cause}`);
  try {
    const msg = await def.rollback(ctx);
    await ctx.log(msg);
    await ctx.saveState();
    await deps.db.promotionStep.update({ where: { id: row.id }, data: { status: "ok", finishedAt: new Date(), log: cur.log } });
    await auditStep(deps, p, "rollback", "ok", { message: msg });
    await finish(deps, p, "rolled_back", cause);
    return "rolled_back";
  } catch (err) {
    const m = err instanceof Error ? err.message : String(err);
    await ctx.log(`rollback failed: ${m}`);
    await deps.db.promotionStep.update({ where: { id: row.id }, data: { status: "failed", finishedAt: new Date(), log: cur.log } });
    await auditStep(deps, p, "rollback", "failed", { error: m });
    await finish(deps, p, "failed", `${cause}; rollback failed: ${m}`);
    return "failed";
  }
}

/**
 * Runs (or continues) an operation in this process until it is finished. Never throws for step
 * failures: they end the operation (refused, rolled back or failed) and are in its rows.
 *
 * Writes are grouped so a promotion commits little on its way to a writable primary: the end of
 * one step (status, log, state, audit) and the start of the next are one transaction; log lines
 * are buffered (written at least every 250 ms while a step runs); a step saves state itself where
 * it must be durable before acting (the fence, pg_promote).
 */
export async function runOperation<D extends RunnerDeps>(deps: D, id: number, opts: { session?: OperationSession; lease?: HeldLease } = {}): Promise<OperationStatus> {
  const p = await loadPromotion(deps.db, id);
  if (!p) throw new Error(`promotion ${id} does not exist`);
  if (p.status !== "running") return p.status as OperationStatus;
  const def = defs.get(p.kind) as OperationDef<D> | undefined;
  if (!def) throw new Error(`unknown operation kind ${p.kind}`);
  if (runningHere.has(id)) throw new Error(`operation ${id} already runs in this process`);
  const lease = opts.lease ?? createdHere.get(id) ?? (await acquireLease(deps.db, operationLeaseName(id)));
  createdHere.delete(id);
  if (!lease) throw new OperationRunning(id, p.kind);
  runningHere.add(id);
  const session = opts.session ?? new OperationSession();
  const state = { ...((p.state ?? {}) as Record<string, unknown>) };
  try {
    const stepDefs = def.steps(p);
    const ponr = p.steps.find((s) => s.name === def.pointOfNoReturn);
    const todo = p.steps.filter((row) => row.position < ROLLBACK_POSITION && row.status !== "ok" && row.status !== "skipped");
    // Mark the first step running (and take ownership) in one write.
    if (todo.length) {
      await deps.db.$transaction(async (tx) => {
        await tx.promotion.update({ where: { id }, data: { owner: OWNER, heartbeatAt: new Date() } });
        await tx.promotionStep.update({ where: { id: todo[0].id }, data: { status: "running", startedAt: new Date(), finishedAt: null } });
        await audit(auditEntry(p, todo[0].name, "running"), tx);
      });
    } else {
      await deps.db.promotion.update({ where: { id }, data: { owner: OWNER, heartbeatAt: new Date() } });
    }
    for (let i = 0; i < todo.length; i++) {
      const row = todo[i];
      const sd = stepDefs.find((s) => s.name === row.name);
      if (!sd) throw new Error(`operation ${id}: no step named ${row.name}`);
      // Another instance may have taken the operation over (this one was paused or cut off from the
      // database longer than its lease): then nothing more is done or written here.
      if (!lease.held) {
        console.error(`operation ${id}: ${new LeaseLost(lease.name).message}; stopping before ${row.name}`);
        return "running";
      }
      const wasInterrupted = row.status === "running" || row.status === "failed";
      const cur: StepCursor = { id: row.id, log: row.log, dirty: false };
      const ctx = makeContext(deps, p, state, session, () => cur, () => lease.assertHeld());
      if (wasInterrupted) await ctx.log("resumed after an interruption: running this step again");
      try {
        const r = await sd.run(ctx);
        const status = r === "skipped" ? "skipped" : "ok";
        const next = todo[i + 1];
        await ctx.flush().catch(() => undefined);
        await deps.db.$transaction(async (tx) => {
          await tx.promotionStep.update({ where: { id: row.id }, data: { status, finishedAt: new Date(), log: cur.log } });
          await tx.promotion.update({ where: { id }, data: { ...ctx.columns(), state: json(state), heartbeatAt: new Date() } });
          await audit(auditEntry(p, row.name, status), tx);
          if (next) {
            await tx.promotionStep.update({ where: { id: next.id }, data: { status: "running", startedAt: new Date(), finishedAt: null } });
            await audit(auditEntry(p, next.name, "running"), tx);
          }
        });
      } catch (err) {
        if (err instanceof LeaseLost || !lease.held) {
          // Taken over by another instance while this step ran: it is that instance's now.
          console.error(`operation ${id}: ${new LeaseLost(lease.name).message}; stopping in ${row.name}`);
          return "running";
        }
        const m = err instanceof Error ? err.message : String(err);
        const refused = err instanceof StepRefused;
        await ctx.log(`${refused ? "refused" : "failed"}: ${m}`).catch(() => undefined);
        await ctx.flush().catch(() => undefined);
        await deps.db.$transaction(async (tx) => {
          await tx.promotionStep.update({ where: { id: row.id }, data: { status: "failed", finishedAt: new Date(), log: cur.log } });
          await tx.promotion.update({ where: { id }, data: { ...ctx.columns(), state: json(state), heartbeatAt: new Date() } });
          await audit(auditEntry(p, row.name, refused ? "refused" : "failed", { error: m }), tx);
        });
        const beforePonr = !ponr || row.position < ponr.position;
        if (refused && beforePonr) {
          await finish(deps, p, "refused", `${row.name}: ${m}`);
          return "refused";
        }
        if (beforePonr) return await rollbackAndFinish(def, deps, p, `${row.name}: ${m}`, session, state);
        if (row.name === def.pointOfNoReturn && def.canRollBackFailedPointOfNoReturn) {
          const may = await def.canRollBackFailedPointOfNoReturn(ctx, err).catch(() => false);
          await ctx.flush().catch(() => undefined);
          await deps.db.promotionStep.update({ where: { id: row.id }, data: { log: cur.log } }).catch(() => undefined);
          if (may) return await rollbackAndFinish(def, deps, p, `${row.name}: ${m}`, session, state);
        }
        await finish(deps, p, "failed", `${row.name} failed after the point of no return (${def.pointOfNoReturn}): ${m}`);
        return "failed";
      }
      await deps.afterStep?.(row.name, id);
    }
    await finish(deps, p, "succeeded", null);
    return "succeeded";
  } finally {
    runningHere.delete(id);
    await lease.release();
    await session.close();
  }
}

export interface NewOperation {
  clusterId: number;
  kind: string;
  mode: string;
  targetMemberId: number;
  targetName: string;
  oldPrimaryId: number | null;
  oldPrimaryName: string | null;
  actor: string;
  forced?: boolean;
  forceReason?: string | null;
  unfenced?: boolean;
  unfencedReason?: string | null;
  preflight?: unknown;
  lastKnownLagBytes?: number | null;
  state: Record<string, unknown>;
  steps: string[];
  /** The "requested" audit event (action `<kind>.requested`). */
  audit: { entityName: string; after: Record<string, unknown>; ip?: string | null };
}

async function runningOn(db: PrismaClient, clusterId: number): Promise<{ id: number; kind: string } | null> {
  return db.promotion.findFirst({ where: { clusterId, status: "running" }, select: { id: true, kind: true } });
}

/** Throws OperationRunning when an operation runs on the cluster (a cheap early check before a slow preflight). */
export async function assertNoOperation(db: PrismaClient, clusterId: number): Promise<void> {
  const running = await runningOn(db, clusterId);
  if (running) throw new OperationRunning(running.id, running.kind);
}

/**
 * Persists a new operation with its steps and starts it (in the background unless told not to).
 * One per cluster: throws OperationRunning (with the running one's id) while another runs, the
 * database's unique index deciding between concurrent requests.
 */
export async function startOperation<D extends RunnerDeps>(
  deps: D,
  op: NewOperation,
  opts: { background?: boolean; /** Open connections the first steps will use while the operation is being created. */ warm?: (session: OperationSession) => void } = {},
): Promise<number> {
  const db = deps.db;
  const running = await runningOn(db, op.clusterId);
  if (running) throw new OperationRunning(running.id, running.kind);
  let id: number | null = null;
  const tokens = new Map<number, number>();
  let sentAt = performance.now();
  const data = {
    clusterId: op.clusterId,
    kind: op.kind,
    mode: op.mode,
    status: "running",
    activeKey: activeKey(op.clusterId),
    targetMemberId: op.targetMemberId,
    targetName: op.targetName,
    oldPrimaryId: op.oldPrimaryId,
    oldPrimaryName: op.oldPrimaryName,
    actor: op.actor,
    forced: op.forced ?? false,
    forceReason: op.forceReason ?? null,
    unfenced: op.unfenced ?? false,
    unfencedReason: op.unfencedReason ?? null,
    preflight: json(op.preflight ?? {}),
    lastKnownLagBytes: op.lastKnownLagBytes ?? null,
    state: json(op.state),
    owner: OWNER,
    heartbeatAt: new Date(),
    steps: { create: op.steps.map((name, i) => ({ position: i, name, status: "pending" })) },
  };
  for (let attempt = 0; attempt < 2 && id === null; attempt++) {
    try {
      sentAt = performance.now();
      id = await db.$transaction(async (tx) => {
        const row = await tx.promotion.create({ data, select: { id: true } });
        // The operation's lease with it: no instance sees it running without an owner that renews it.
        const token = await tryAcquire(tx, operationLeaseName(row.id), leaseMs());
        if (token === null) throw new Error(`operation ${row.id}: its lease is taken`);
        tokens.set(row.id, token);
        await audit(
          { actor: op.actor, action: `${auditPrefix(op.kind)}.requested`, entityType: "catalog-cluster", entityId: op.clusterId, entityName: op.audit.entityName, after: { promotionId: row.id, ...op.audit.after }, ip: op.audit.ip ?? null },
          tx,
        );
        return row.id;
      });
    } catch (err) {
      if (!isUniqueViolation(err)) throw err;
      const now = await runningOn(db, op.clusterId);
      if (now) throw new OperationRunning(now.id, now.kind);
      // The other one finished between the insert and the lookup: try once more.
    }
  }
  if (id === null) throw new Error(`could not start a ${op.kind} operation on cluster ${op.clusterId}`);
  const token = tokens.get(id)!;
  if (opts.background === false) {
    // The caller runs it (runOperation, maybe in another process): the lease is given up, and the
    // runner takes it again; the token stays with the row.
    await releaseLease(db, operationLeaseName(id), token);
  } else {
    createdHere.set(id, new HeldLease(db, operationLeaseName(id), token, leaseMs(), sentAt));
  }
  if (opts.background !== false) {
    const opId = id;
    const session = new OperationSession();
    try {
      opts.warm?.(session);
    } catch {
      /* warming is best effort: the steps open what they need */
    }
    void runOperation(deps, opId, { session }).catch(async (err) => {
      console.error(`${op.kind} operation ${opId} crashed`, err);
      await session.close();
    });
  }
  return id;
}

export interface ResumeResult {
  id: number;
  action: "rolled_back" | "resumed" | "skipped";
  status: OperationStatus;
}

/**
 * Takes over operations left `running` by a process that is gone: before the point of no return
 * they are rolled back, after it they are run to the end. Call at startup.
 */
export async function resumeOperations<D extends RunnerDeps>(deps: D): Promise<ResumeResult[]> {
  const rows = await deps.db.promotion.findMany({ where: { status: "running" }, orderBy: { id: "asc" } });
  const out: ResumeResult[] = [];
  for (const r of rows) {
    const lease = await takeOverOperation(deps.db, r);
    if (!lease) {
      out.push({ id: r.id, action: "skipped", status: "running" });
      continue;
    }
    const claimed = await deps.db.promotion.updateMany({ where: { id: r.id, status: "running" }, data: { owner: OWNER, heartbeatAt: new Date() } });
    if (claimed.count !== 1) {
      await lease.release();
      continue;
    }
    const p = (await loadPromotion(deps.db, r.id))!;
    const def = defs.get(p.kind) as OperationDef<D> | undefined;
    if (!def) {
      await lease.release();
      continue;
    }
    await auditStep(deps, p, "resume", "running", { previousOwner: r.owner, takenOverBy: OWNER });
    const ponr = p.steps.find((s) => s.name === def.pointOfNoReturn);
    if (!ponr || ponr.status === "pending") {
      for (const s of p.steps) {
        if (s.status === "running") {
          await deps.db.promotionStep.update({
            where: { id: s.id },
            data: { status: "failed", finishedAt: new Date(), log: `${s.log}interrupted: the app stopped during this step\n` },
          });
        }
      }
      runningHere.add(p.id);
      const session = new OperationSession();
      try {
        const status = await rollbackAndFinish(def, deps, p, `interrupted by an app restart before ${def.pointOfNoReturn}`, session);
        out.push({ id: p.id, action: "rolled_back", status });
      } finally {
        runningHere.delete(p.id);
        await lease.release();
        await session.close();
      }
    } else {
      const status = await runOperation(deps, p.id, { lease });
      out.push({ id: p.id, action: "resumed", status });
    }
  }
  return out;
}
