import { requireUser } from "@/lib/auth/guard";
import { readCookie, SESSION_COOKIE, userFromToken } from "@/lib/auth/session";
import { prisma } from "@/lib/db/client";
import { api } from "@/lib/http/handler";
import { publish } from "@/lib/replication/published";
import { getReplicationService, idleStatus } from "@/lib/replication/service";
import { followPublications, lastEventIdOf, streamQuerySchema, type PublicationSource } from "@/lib/replication/stream";

/** The running poller, or (polling off) one fixed publication of the configured clusters. */
async function sourceOf(): Promise<PublicationSource> {
  const s = getReplicationService();
  if (s) return s;
  const fixed = publish(await idleStatus(prisma), 0, "idle");
  return { published: () => fixed, subscribe: () => () => undefined };
}

/**
 * Server-sent events of the replication status (lib/replication/stream.ts): `status`, `cluster`
 * (?cluster=ID) or `summary` (?view=summary) frames, one per poll, prebuilt by the poller. Viewer
 * session, checked again every heartbeat. `no-transform` keeps Next's compression (which would
 * deflate every frame once per subscriber) out of the stream.
 */
export const GET = api(async (req: Request) => {
  await requireUser(req, "viewer");
  const query = streamQuerySchema.parse(Object.fromEntries(new URL(req.url).searchParams));
  const token = readCookie(req, SESSION_COOKIE);
  const src = await sourceOf();
  let stop: (() => void) | null = null;
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      stop = followPublications(src, {
        query,
        lastEventId: lastEventIdOf(req.headers.get("last-event-id")),
        stillAllowed: async () => (await userFromToken(token)) !== null,
        sink: { write: (c) => controller.enqueue(c), end: () => controller.close() },
      });
      req.signal.addEventListener("abort", () => stop?.(), { once: true });
    },
    cancel() {
      stop?.();
    },
  });
  return new Response(stream, {
    headers: { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache, no-transform", "x-accel-buffering": "no" },
  });
});
