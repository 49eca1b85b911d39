import { requireUser } from "@/lib/auth/guard";
import { maskSecretsDeep } from "@/lib/deploy/mask";
import { getRun, resumedBy } from "@/lib/deploy/service";
import { api } from "@/lib/http/handler";
import { notFound } from "@/lib/http/errors";
import { idParam } from "@/lib/http/kind";
import { followInDatabase, ndjsonResponse } from "@/lib/http/ndjson";

export const dynamic = "force-dynamic";

type Run = NonNullable<Awaited<ReturnType<typeof getRun>>>;

/**
 * A deploy run's progress as NDJSON, read from the database (so every instance streams the same
 * run, whichever instance runs it), every 150 ms:
 *   {"type":"snapshot","run":{...}}                      first, the whole run
 *   {"type":"target","target":{...}}                     a target's status changed
 *   {"type":"step","targetKey":"…","step":{...}}         a step changed (status or log)
 *   {"type":"resumed","runId":N}                          the run's instance stopped; run N finishes it
 *   {"type":"done","run":{...}}                           last, once it is no longer running
 * Logs and diffs masked as GET /api/deploy/runs/{id}; a {"type":"ping"} every 10 s.
 */
export const GET = api<{ params: Promise<{ id: string }> }>(async (req, ctx) => {
  await requireUser(req, "viewer");
  const id = idParam((await ctx.params).id);
  const first = await getRun(id);
  if (!first) throw notFound("No such deploy run");
  return ndjsonResponse(
    async (send) => {
      const seenSteps = new Map<string, string>();
      const seenTargets = new Map<string, string>();
      const diff = (run: Run, emit: boolean) => {
        for (const t of run.targets) {
          const tk = `${t.status}|${t.failedStep ?? ""}`;
          if (seenTargets.get(t.targetKey) !== tk) {
            seenTargets.set(t.targetKey, tk);
            if (emit) send({ type: "target", target: { ...t, steps: undefined } });
          }
          for (const s of t.steps) {
            const key = `${t.targetKey}#${s.position}`;
            const sk = `${s.status}|${s.log.length}`;
            if (seenSteps.get(key) !== sk) {
              seenSteps.set(key, sk);
              if (emit) send({ type: "step", targetKey: t.targetKey, step: s });
            }
          }
        }
      };
      send({ type: "snapshot", run: first });
      diff(first, false);
      const current = await followInDatabase<Run>({ first, read: () => getRun(id), running: (r) => r.status === "running", onEach: (r) => diff(r, true), send, signal: req.signal });
      if (!req.signal.aborted && current.status === "interrupted") {
        // The run that finishes it may take a moment to appear (the take-over writes it next).
        for (let i = 0; i < 20 && !req.signal.aborted; i++) {
          const by = await resumedBy(id);
          if (by !== null) {
            send({ type: "resumed", runId: by });
            break;
          }
          await new Promise((r) => setTimeout(r, 150));
        }
      }
      if (!req.signal.aborted) send({ type: "done", run: current });
    },
    // Logs and diffs hold the daemons' passwords: masked as GET /api/deploy/runs/{id}.
    { map: maskSecretsDeep },
  );
});
