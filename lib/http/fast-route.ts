/**
 * Routes scripts/serve.mjs answers before Next (each takes the request and answers it, or returns
 * false and leaves it to Next), and the way one runs a route's own Web handler there.
 *
 * Why: Next's request path (routing, its Request/Response objects, its compression) costs several
 * milliseconds of the one server thread per request; for the answers most asked for (the status
 * list, the inventory lists) that was most of the time under load, and the Import page's upload
 * (its route is loaded on its first request: ~40 ms of the first dry run after a start). A fast
 * route runs the same handler code (authorisation, validation, error answers, audit context) on a
 * Web Request made from the node request, so the answer is the one Next would give, headers aside
 * (no Next Vary names).
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { Readable } from "node:stream";
import { promisify } from "node:util";
import { gzip as gzipCb } from "node:zlib";

/** serve.mjs reads the fast routes from this process global (the instrumentation bundle sets it). */
export const FAST_ROUTES = Symbol.for("bacula-ha.fastRoutes");

/** Takes the request (and answers it) or returns false and leaves it to Next. */
export type FastRoute = (req: IncomingMessage, res: ServerResponse) => boolean;

/** Offers the fast routes to scripts/serve.mjs (called once, from instrumentation.ts). */
export function registerFastRoutes(routes: FastRoute[]): void {
  (globalThis as Record<symbol, unknown>)[FAST_ROUTES] = routes;
}

/**
 * The node request as a Web Request (its headers as received, the peer header serve.mjs set
 * included); with `body`, its body streamed as it arrives (the route reads it within its own limits).
 */
export function webRequest(req: IncomingMessage, o: { body?: boolean } = {}): Request {
  const headers = new Headers();
  for (const [k, v] of Object.entries(req.headers)) {
    if (v === undefined) continue;
    headers.set(k, Array.isArray(v) ? v.join(", ") : v);
  }
  // The URL's origin is fixed: a route reads the path and the query, and a Host header the client
  // made up must not make the URL unparsable (the Host header itself is passed on as received).
  const url = `http://localhost${req.url ?? "/"}`;
  if (!o.body || req.method === "GET" || req.method === "HEAD") return new Request(url, { method: req.method, headers });
  return new Request(url, { method: req.method, headers, body: Readable.toWeb(req) as ReadableStream<Uint8Array>, duplex: "half" } as RequestInit & { duplex: "half" });
}

const gzip = promisify(gzipCb);
/** Bodies this small are sent as they are (as Next's compression does). */
const GZIP_MIN_BYTES = 1024;

/** Writes a Web Response to the node response: gzip (off the main thread) when the client takes it. */
export async function writeWebResponse(req: IncomingMessage, res: ServerResponse, answer: Response): Promise<void> {
  const headers: Record<string, string> = {};
  answer.headers.forEach((v, k) => (headers[k] = v));
  let body: Buffer = Buffer.from(await answer.arrayBuffer());
  const accepts = /\bgzip\b/.test(String(req.headers["accept-encoding"] ?? ""));
  headers.vary = headers.vary ? `${headers.vary}, Accept-Encoding` : "Accept-Encoding";
  if (accepts && body.length >= GZIP_MIN_BYTES && !headers["content-encoding"]) {
    body = await gzip(body);
    headers["content-encoding"] = "gzip";
  }
  headers["content-length"] = String(body.length);
  res.writeHead(answer.status, headers);
  res.end(body);
}

/** Runs `answer` for a taken request; a failure after the headers went out ends the connection. */
export function serveWith(req: IncomingMessage, res: ServerResponse, answer: () => Promise<Response>, what: string): void {
  void answer()
    .then((r) => writeWebResponse(req, res, r))
    .catch((err: unknown) => {
      console.error(`${what} fast path failed`, err);
      if (!res.headersSent) res.writeHead(500, { "content-type": "application/json" }).end(JSON.stringify({ error: "Internal error" }));
      else res.destroy();
    });
}
