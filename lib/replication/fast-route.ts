/**
 * The server's fast path for GET /api/replication (scripts/serve.mjs asks it before Next).
 *
 * Why: the answer is built once per poll (published.ts), so what is left per request is Next's own
 * request path — routing, the Request/Response objects, and gzip of the ~100 KiB body on every
 * request (Next compresses route handler answers itself and drops their Content-Encoding). Measured
 * on this 2-core machine at 100 requests in flight (bench/replication.ts), that path alone stays well
 * above 1.2x Next's static /login page. Here the request is answered straight from the stored bytes,
 * gzip included, with the same authorisation and the same headers as the route handler
 * (app/api/replication/route.ts, which still serves `next dev` and every other way of running Next):
 *
 *   - a viewer session (the session cookie, verified by lib/auth like every route: signature, row,
 *     user enabled, through the same one-second cache), else 401 with the API's error body;
 *   - ETag / If-None-Match (304), Cache-Control private, no-cache, Vary.
 *
 * Only this exact path and method: anything else (a query string, HEAD, another route) goes to Next.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { hasRole } from "@/lib/auth/roles";
import type { FastRoute } from "@/lib/http/fast-route";
import { readCookieHeader, SESSION_COOKIE, userFromToken } from "@/lib/auth/session";
import { cachedAnswer } from "./published";
import { getReplicationService } from "./service";

const PATH = "/api/replication";

function send(res: ServerResponse, status: number, headers: Record<string, string>, body: Buffer | string | null): void {
  res.writeHead(status, headers);
  res.end(body ?? undefined);
}

async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const service = getReplicationService();
  try {
    const user = await userFromToken(readCookieHeader(req.headers.cookie, SESSION_COOKIE));
    if (!user) return send(res, 401, { "content-type": "application/json" }, JSON.stringify({ error: "Log in first", fields: [] }));
    if (!hasRole(user.role, "viewer")) {
      return send(res, 403, { "content-type": "application/json" }, JSON.stringify({ error: `This needs the viewer role; you are ${user.role}`, fields: [] }));
    }
    if (!service) return send(res, 503, { "content-type": "application/json", "retry-after": "1" }, JSON.stringify({ error: "Replication polling stopped", fields: [] }));
    const header = (v: string | string[] | undefined) => (Array.isArray(v) ? v.join(",") : v ?? null);
    const a = cachedAnswer(service.published().list, { ifNoneMatch: header(req.headers["if-none-match"]), acceptEncoding: header(req.headers["accept-encoding"]) }, true);
    send(res, a.status, a.headers, a.body);
  } catch (err) {
    console.error("replication fast path failed", err);
    if (!res.headersSent) send(res, 500, { "content-type": "application/json" }, JSON.stringify({ error: "Internal error" }));
    else res.destroy();
  }
}

export const statusFastRoute: FastRoute = (req, res) => {
  if (req.method !== "GET" || req.url !== PATH) return false;
  if (!getReplicationService()) return false; // polling off: the route handler answers from the database
  void serve(req, res);
  return true;
};
