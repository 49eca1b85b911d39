import crypto from "node:crypto";
import { requireUser } from "@/lib/auth/guard";
import { unauthorized } from "@/lib/http/errors";
import { api } from "@/lib/http/handler";
import { currentStatus } from "@/lib/replication/http";
import { METRICS_CONTENT_TYPE, renderMetrics } from "@/lib/replication/metrics";
import { getReplicationService } from "@/lib/replication/service";

const digest = (s: string) => crypto.createHash("sha256").update(s).digest();

/**
 * Prometheus metrics of catalog replication. Access: `Authorization: Bearer <METRICS_TOKEN>` when
 * the METRICS_TOKEN environment variable is set (for scrapers), or a signed-in session with the
 * viewer role (for people). A wrong bearer token is refused, never silently ignored.
 */
export const GET = api(async (req: Request) => {
  const auth = req.headers.get("authorization");
  const token = process.env.METRICS_TOKEN;
  if (auth?.toLowerCase().startsWith("bearer ")) {
    const given = auth.slice(7).trim();
    if (!token || !crypto.timingSafeEqual(digest(given), digest(token))) throw unauthorized("Invalid metrics token");
  } else {
    await requireUser(req, "viewer");
  }
  const s = getReplicationService();
  let body: string;
  if (s) body = s.metrics();
  else {
    const st = await currentStatus();
    body = renderMetrics(st.clusters, st.polling);
  }
  return new Response(body, { headers: { "content-type": METRICS_CONTENT_TYPE, "cache-control": "no-store" } });
});
