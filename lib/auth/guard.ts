import { forbidden, unauthorized } from "@/lib/http/errors";
import { hasRole, type Role } from "./roles";
import { readCookie, SESSION_COOKIE, userFromToken, type SessionUser } from "./session";

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * Refuses cross-site requests on mutating methods: a browser sends Origin (and Sec-Fetch-Site) with
 * every POST, PUT, PATCH and DELETE, so one that names another origin is refused.
 */
export function assertSameOrigin(req: Request): void {
  if (SAFE_METHODS.has(req.method.toUpperCase())) return;
  const fetchSite = req.headers.get("sec-fetch-site");
  if (fetchSite && fetchSite !== "same-origin" && fetchSite !== "none") {
    throw forbidden("Cross-site request refused");
  }
  const origin = req.headers.get("origin");
  if (!origin) return;
  const allowed = new Set<string>();
  if (process.env.APP_ORIGIN) allowed.add(process.env.APP_ORIGIN.replace(/\/$/, ""));
  const host = req.headers.get("host");
  if (host) {
    allowed.add(`http://${host}`);
    allowed.add(`https://${host}`);
  }
  try {
    allowed.add(new URL(req.url).origin);
  } catch {
    /* relative URL in tests */
  }
  if (!allowed.has(origin)) throw forbidden(`Cross-site request refused (Origin ${origin})`);
}

export async function currentUser(req: Request): Promise<SessionUser | null> {
  return userFromToken(readCookie(req, SESSION_COOKIE));
}

/** Every API route starts here: a session, the role the action needs, and same-origin for writes. */
export async function requireUser(req: Request, needed: Role = "viewer"): Promise<SessionUser> {
  assertSameOrigin(req);
  const user = await currentUser(req);
  if (!user) throw unauthorized();
  if (!hasRole(user.role, needed)) {
    throw forbidden(`This needs the ${needed} role; you are ${user.role}`);
  }
  return user;
}

/**
 * The client's address for throttling and the audit log. Forwarded headers are believed only when
 * TRUST_PROXY=1 says a reverse proxy sets them; otherwise anyone could choose their own address.
 * Without a proxy, the socket's address, which scripts/http-limits.cjs (loaded by every way this
 * app is served) copies into its own header after dropping whatever a client sent under that name.
 * Without either (in-process tests, `next dev`), null: throttling then works per login only.
 */
export function clientIp(req: Request): string | null {
  if (process.env.TRUST_PROXY === "1") {
    const forwarded = req.headers.get("x-forwarded-for")?.split(",")[0]?.trim() || req.headers.get("x-real-ip")?.trim();
    if (forwarded) return forwarded.slice(0, 64);
  }
  const peerHeader = (globalThis as { __bhdPeerHeader?: unknown }).__bhdPeerHeader;
  if (typeof peerHeader === "string") {
    const peer = req.headers.get(peerHeader)?.trim();
    if (peer) return peer.replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/, "").slice(0, 64);
  }
  return null;
}
