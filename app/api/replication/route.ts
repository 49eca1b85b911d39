import { requireUser } from "@/lib/auth/guard";
import { api } from "@/lib/http/handler";
import { currentStatus } from "@/lib/replication/http";
import { cachedAnswer } from "@/lib/replication/published";
import { getReplicationService } from "@/lib/replication/service";

/**
 * Every catalog cluster: health, members, latest probe. Served from the poller's publication: the
 * body is serialised once per poll (lib/replication/published.ts), and an unchanged body answers
 * If-None-Match with 304. Next compresses route handler answers itself (and drops their
 * Content-Encoding), so the plain bytes go out here; the app's server (scripts/serve.mjs) answers
 * this route on its fast path with the stored gzip bytes instead (lib/replication/fast-route.ts).
 * The UI follows /api/replication/stream rather than polling this.
 */
export const GET = api(async (req: Request) => {
  await requireUser(req, "viewer");
  const s = getReplicationService();
  if (!s) return Response.json(await currentStatus(), { headers: { "cache-control": "no-store" } });
  const a = cachedAnswer(s.published().list, { ifNoneMatch: req.headers.get("if-none-match") }, false);
  return new Response(a.body === null ? null : new Uint8Array(a.body), { status: a.status, headers: a.headers });
});
