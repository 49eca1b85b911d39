/**
 * Limits of the app's HTTP server (scripts/serve.mjs), loaded before it with
 * `node --require ./scripts/http-limits.cjs scripts/serve.mjs` (scripts/demo.sh,
 * scripts/e2e-server.sh, `npm start`, the benches). Next has no option for these, and they belong to the server,
 * not to a route:
 *
 *   requestTimeout   the whole request (headers and body) must arrive within HTTP_REQUEST_TIMEOUT_MS
 *                    (default 30 s; Node's default is 5 minutes), else Node answers 408 and closes the
 *                    connection: a stalled body does not hold a connection for minutes. Responses
 *                    (deploy and promotion streams) are not limited by it.
 *   headersTimeout   headers within 10 s (never more than requestTimeout).
 *   checks           every second (Node checks these timeouts every 30 s by default).
 *   Content-Length   a request declaring more than HTTP_MAX_BODY_BYTES (default 1 MiB, the API's cap)
 *                    (or its route's own cap, ROUTE_BODY_BYTES below) is answered 413 and its
 *                    connection closed before any of the body is read. Bodies
 *                    without a length are capped while they are read (lib/http/body.ts).
 */
"use strict";
const http = require("node:http");

const num = (name, fallback) => {
  const v = Number(process.env[name]);
  return Number.isFinite(v) && v > 0 ? v : fallback;
};
const REQUEST_TIMEOUT_MS = num("HTTP_REQUEST_TIMEOUT_MS", 30_000);
const HEADERS_TIMEOUT_MS = Math.min(num("HTTP_HEADERS_TIMEOUT_MS", 10_000), REQUEST_TIMEOUT_MS);
const MAX_BODY_BYTES = num("HTTP_MAX_BODY_BYTES", 1024 * 1024);
/**
 * Routes that take more: the Import page's upload (lib/config/read-limits.ts, IMPORT_BODY_BYTES:
 * the 16 MiB an import may read, plus the multipart framing). A test keeps the two equal.
 */
const ROUTE_BODY_BYTES = { "/api/config/import": 17 * 1024 * 1024 };
const limitOf = (url) => {
  const p = String(url ?? "").split("?")[0];
  return Object.prototype.hasOwnProperty.call(ROUTE_BODY_BYTES, p) ? Math.max(ROUTE_BODY_BYTES[p], MAX_BODY_BYTES) : MAX_BODY_BYTES;
};

function guard(listener) {
  return function limitedListener(req, res) {
    const declared = req.headers["content-length"];
    const limit = limitOf(req.url);
    if (declared !== undefined && Number(declared) > limit) {
      const body = JSON.stringify({
        error: `The request body is larger than ${limit} bytes`,
        fields: [{ field: "(body)", rule: "max-size", message: `is larger than ${limit} bytes` }],
      });
      res.writeHead(413, { "content-type": "application/json", connection: "close", "content-length": Buffer.byteLength(body) });
      res.end(body, () => req.socket.destroy());
      return;
    }
    return listener.call(this, req, res);
  };
}

const createServer = http.createServer;
http.createServer = function limitedCreateServer(options, listener) {
  if (typeof options === "function") {
    listener = options;
    options = {};
  }
  const server = createServer.call(
    http,
    {
      requestTimeout: REQUEST_TIMEOUT_MS,
      headersTimeout: HEADERS_TIMEOUT_MS,
      connectionsCheckingInterval: 1_000,
      ...(options ?? {}),
    },
    listener ? guard(listener) : undefined,
  );
  if (!listener) {
    // Next adds its listener with server.on("request", ...): guard those too.
    const on = server.on;
    server.on = server.addListener = function (event, fn) {
      return on.call(this, event, event === "request" ? guard(fn) : fn);
    };
  }
  return server;
};

module.exports = { ROUTE_BODY_BYTES };
