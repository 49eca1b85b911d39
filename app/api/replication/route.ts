import { requireUser } from "@/lib/auth/guard";
import { api } from "@/lib/http/handler";
import { currentStatus } from "@/lib/replication/http";
import { getReplicationService } from "@/lib/replication/service";

/**
 * Every catalog cluster: health, members, latest probe. Served from the poller's memory: the body
 * is serialized once per poll, and an unchanged body answers If-None-Match with 304. (A gzipped
 * body cannot be cached here: Next.js drops Content-Encoding from route handler responses and
 * compresses on its own.)
 */
export const GET = api(async (req: Request) => {
  await requireUser(req, "viewer");
  const s = getReplicationService();
  if (!s) return Response.json(await currentStatus(), { headers: { "cache-control": "no-store" } });
  const body = s.statusBody();
  const headers: Record<string, string> = { "content-type": "application/json", "cache-control": "private, no-cache", etag: body.etag, vary: "accept-encoding" };
  if (req.headers.get("if-none-match") === body.etag) return new Response(null, { status: 304, headers });
  return new Response(body.json, { headers });
});
