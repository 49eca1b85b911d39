import { AsyncLocalStorage } from "node:async_hooks";

/**
 * The client's address, for the audit log and login throttling.
 *
 * - Behind a reverse proxy (TRUST_PROXY=1): the first X-Forwarded-For entry (or X-Real-IP), which
 *   the proxy sets. Without TRUST_PROXY those headers are never believed: anyone could send them.
 * - Otherwise the TCP peer, which scripts/serve.mjs (the server of `npm run demo` and the browser
 *   tests) writes into its own header on every request, overwriting whatever the client sent. It
 *   announces that header through a process global; served any other way (`next dev`, the API
 *   tests calling handlers directly) there is no peer to read, and the address is null.
 */
const SERVED_BY = Symbol.for("bacula-ha.peerHeader");

export function peerAddress(req: Request): string | null {
  const header = (globalThis as Record<symbol, unknown>)[SERVED_BY];
  if (typeof header !== "string") return null;
  return req.headers.get(header)?.trim() || null;
}

export function clientAddress(req: Request): string | null {
  if (process.env.TRUST_PROXY === "1") {
    const forwarded = req.headers.get("x-forwarded-for")?.split(",")[0]?.trim() || req.headers.get("x-real-ip")?.trim();
    if (forwarded) return forwarded;
  }
  return peerAddress(req);
}

/**
 * The address of the request being served, for every audit event written while serving it —
 * including work it started in the background (a promotion's steps, a deploy's stream), which
 * inherits the context. One store per process (route bundles and instrumentation share it).
 */
const STORE = Symbol.for("bacula-ha.requestContext");
type RequestContext = { clientAddress: string | null };
const g = globalThis as Record<symbol, unknown>;
const storage = (g[STORE] ??= new AsyncLocalStorage<RequestContext>()) as AsyncLocalStorage<RequestContext>;

export function withRequestContext<T>(req: Request, fn: () => T): T {
  return storage.run({ clientAddress: clientAddress(req) }, fn);
}

export function currentClientAddress(): string | null {
  return storage.getStore()?.clientAddress ?? null;
}
