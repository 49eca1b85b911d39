import { clientAddress } from "@/lib/audit/client-address";
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
 * The client's address for throttling and the audit log: forwarded headers only when TRUST_PROXY=1
 * says a reverse proxy sets them (otherwise anyone could choose their own address), else the TCP
 * peer (lib/audit/client-address.ts).
 */
export function clientIp(req: Request): string | null {
  return clientAddress(req);
}
