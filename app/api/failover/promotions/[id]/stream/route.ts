import { requireUser } from "@/lib/auth/guard";
import { api } from "@/lib/http/handler";
import { followInDatabase, ndjsonResponse } from "@/lib/http/ndjson";
import { idParams, promotionView } from "@/lib/failover/http";
import { FINAL_STATUSES, type PromotionView } from "@/lib/failover/types";

type Ctx = { params: Promise<{ id: string }> };

/**
 * NDJSON progress, one JSON object per line:
 *   {"type":"snapshot","promotion":{...}}   first, the whole operation
 *   {"type":"step","step":{...}}            each time a step changes (status or log)
 *   {"type":"done","promotion":{...}}       last, once it is finished (then the stream ends)
 * The database is the source of truth (so a stream also follows an operation another process
 * runs); it is read every 150 ms. A heartbeat line {"type":"ping"} every 10 s keeps proxies open.
 */
export const GET = api(async (req: Request, ctx: Ctx) => {
  await requireUser(req, "admin");
  const { id } = idParams.parse(await ctx.params);
  const first = await promotionView(id);
  return ndjsonResponse(async (send) => {
    const seen = new Map<number, string>();
    const key = (s: PromotionView["steps"][number]) => `${s.status}|${s.log.length}`;
    send({ type: "snapshot", promotion: first });
    for (const s of first.steps) seen.set(s.position, key(s));
    const last = await followInDatabase({
      first,
      read: () => promotionView(id),
      running: (p) => !FINAL_STATUSES.includes(p.status),
      onEach: (p) => {
        for (const s of p.steps) {
          if (seen.get(s.position) !== key(s)) {
            seen.set(s.position, key(s));
            send({ type: "step", step: s });
          }
        }
      },
      send,
      signal: req.signal,
    });
    if (!req.signal.aborted) send({ type: "done", promotion: last });
  });
});
