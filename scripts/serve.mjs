// @ts-check
/**
 * Serves the built app (what `next start` does) on HOST:PORT, 127.0.0.1:3000 by default, and hands
 * every request the address of the TCP peer that sent it, for the audit log and login throttling
 * (lib/audit/client-address.ts): route handlers get a Request without the socket. The header is
 * overwritten on every request, so a client cannot choose it; X-Forwarded-For is believed only with
 * TRUST_PROXY=1 (a reverse proxy in front sets it).
 *
 *   node scripts/serve.mjs            HOST, PORT from the environment
 */
import http from "node:http";

process.env.NODE_ENV = "production";
process.env.NEXT_TELEMETRY_DISABLED ??= "1";

// Keep in step with lib/audit/client-address.ts.
const PEER_HEADER = "x-bacula-ha-peer";
const SERVED_BY = Symbol.for("bacula-ha.peerHeader");

const host = process.env.HOST?.trim() || "127.0.0.1";
const port = Number(process.env.PORT ?? 3000);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`PORT must be a port number, got "${process.env.PORT}"`);
  process.exit(2);
}

/** "::ffff:10.0.0.1" (an IPv4 client of a dual-stack socket) reads as "10.0.0.1". */
function peerOf(/** @type {http.IncomingMessage} */ req) {
  const a = req.socket.remoteAddress ?? "";
  return a.startsWith("::ffff:") && a.includes(".") ? a.slice(7) : a;
}

const { default: next } = await import("next");
const app = next({ dev: false, hostname: host, port, dir: process.cwd() });
const handle = app.getRequestHandler();
/** @type {Record<symbol, unknown>} */ (globalThis)[SERVED_BY] = PEER_HEADER;
await app.prepare();

// Routes the app answers before Next (lib/http/fast-route.ts: GET /api/replication from the poller's
// prebuilt bytes, the inventory lists through their route's own handler), offered by instrumentation.ts.
const FAST_ROUTES = Symbol.for("bacula-ha.fastRoutes");

const server = http.createServer((req, res) => {
  req.headers[PEER_HEADER] = peerOf(req);
  const fast = /** @type {Record<symbol, unknown>} */ (globalThis)[FAST_ROUTES];
  if (Array.isArray(fast)) {
    for (const route of fast) if (typeof route === "function" && route(req, res) === true) return;
  }
  handle(req, res).catch((err) => {
    console.error("request failed", err);
    if (!res.headersSent) res.writeHead(500).end("Internal Server Error");
  });
});
server.on("error", (err) => {
  console.error(`cannot listen on ${host}:${port}: ${err.message}`);
  process.exit(1);
});
server.listen(port, host, () => {
  const shown = host.includes(":") ? `[${host}]` : host;
  console.log(`ready on http://${shown}:${port}${host === "127.0.0.1" || host === "::1" ? " (this machine only; HOST=0.0.0.0 opens it to the network)" : ""}`);
});

for (const sig of /** @type {const} */ (["SIGTERM", "SIGINT"])) {
  process.on(sig, () => {
    server.close(() => process.exit(0));
    // Open keep-alive and streaming connections (NDJSON progress) must not hold the exit forever.
    setTimeout(() => process.exit(0), 5000).unref();
    server.closeIdleConnections?.();
  });
}
