import { requireUser } from "@/lib/auth/guard";
import { api } from "@/lib/http/handler";
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
  const enc = new TextEncoder();
  const stream = new ReadableStream<Uint8Array>({
    async start(controller) {
      const send = (o: unknown) => controller.enqueue(enc.encode(`${JSON.stringify(o)}\n`));
      const seen = new Map<number, string>();
      const key = (s: PromotionView["steps"][number]) => `${s.status}|${s.log.length}`;
      send({ type: "snapshot", promotion: first });
      for (const s of first.steps) seen.set(s.position, key(s));
      let current = first;
      let lastPing = Date.now();
      try {
        while (!FINAL_STATUSES.includes(current.status) && !req.signal.aborted) {
          await new Promise((r) => setTimeout(r, 150));
          current = await promotionView(id);
          for (const s of current.steps) {
            if (seen.get(s.position) !== key(s)) {
              seen.set(s.position, key(s));
              send({ type: "step", step: s });
            }
          }
          if (Date.now() - lastPing > 10_000) {
            lastPing = Date.now();
            send({ type: "ping" });
          }
        }
        if (!req.signal.aborted) send({ type: "done", promotion: current });
      } catch (err) {
        send({ type: "error", error: err instanceof Error ? err.message : String(err) });
      } finally {
        try {
          controller.close();
        } catch {
          /* already closed */
        }
      }
    },
  });
  return new Response(stream, {
    headers: { "content-type": "application/x-ndjson; charset=utf-8", "cache-control": "no-store", "x-accel-buffering": "no" },
  });
});
