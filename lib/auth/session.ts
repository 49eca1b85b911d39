import crypto from "node:crypto";
import { SignJWT, jwtVerify } from "jose";
import { prisma } from "@/lib/db/client";
import { currentDialect } from "@/lib/db/dialect";
import { listening, notify, onNotification } from "@/lib/db/notify";
import { derivedKey } from "@/lib/secrets";
import { roleSchema, type Role } from "./roles";

export const SESSION_COOKIE = "bhd_session";
const SESSION_HOURS = 12;

export interface SessionUser {
  id: number;
  login: string;
  role: Role;
  sessionId: string;
}

function signingKey(): Uint8Array {
  return derivedKey("session-jwt-v1");
}

export async function createSession(userId: number): Promise<{ token: string; expiresAt: Date }> {
  const id = crypto.randomBytes(24).toString("base64url");
  const expiresAt = new Date(Date.now() + SESSION_HOURS * 3600_000);
  await prisma.session.deleteMany({ where: { expiresAt: { lt: new Date() } } });
  await prisma.session.create({ data: { id, userId, expiresAt } });
  const token = await new SignJWT({ sid: id })
    .setProtectedHeader({ alg: "HS256" })
    .setIssuedAt()
    .setExpirationTime(Math.floor(expiresAt.getTime() / 1000))
    .sign(signingKey());
  return { token, expiresAt };
}

// Verified sessions are kept for a second so that bursts of API calls (the replication page polls)
// do not each read the session row; logout and user changes clear the entries at once.
const CACHE_MS = 1_000;
// One cache per process: the server's fast path (lib/replication/fast-route.ts, loaded with the
// instrumentation bundle) and the route handlers must forget a logged-out session together.
const CACHE_KEY = Symbol.for("bacula-ha.sessionCache");
type CacheEntry = { user: SessionUser; until: number; epoch: number };
const sessionCache: Map<string, CacheEntry> = ((globalThis as Record<symbol, unknown>)[CACHE_KEY] ??= new Map()) as Map<string, CacheEntry>;

/**
 * Several instances on one PostgreSQL database: a logout, a disabled user or a changed role on one
 * instance must end the session on all. The change is sent with the database change itself
 * (pg_notify in its transaction, delivered at commit) on the channel `bhd_sessions`; every instance
 * drops its cached entries for it. A cached entry is used only while this process's listener is
 * connected and has been since the entry was cached (lib/db/notify.ts): without it, every request
 * reads the session row. On SQLite (one instance) the cache works as it always did.
 */
const SESSIONS_CHANNEL = "bhd_sessions";
const LISTENING_KEY = Symbol.for("bacula-ha.sessionCacheListening");

function dropCached(match: (e: CacheEntry) => boolean): void {
  for (const [token, entry] of sessionCache) if (match(entry)) sessionCache.delete(token);
}

function cacheUsable(): { ok: boolean; epoch: number } {
  if (currentDialect() !== "postgresql") return { ok: true, epoch: 0 };
  const gl = globalThis as Record<symbol, unknown>;
  if (!gl[LISTENING_KEY]) {
    gl[LISTENING_KEY] = true;
    onNotification(SESSIONS_CHANNEL, (payload) => {
      const [kind, id] = [payload.slice(0, 2), payload.slice(2)];
      if (kind === "s:") dropCached((e) => e.user.sessionId === id);
      else if (kind === "u:") dropCached((e) => String(e.user.id) === id);
      else sessionCache.clear();
    });
  }
  const l = listening();
  return { ok: l.connected, epoch: l.epoch };
}

type NotifyDb = Parameters<typeof notify>[0];

/** Drops this process's cached sessions of a user (after the change committed). */
export function forgetCachedSessionsOf(userId: number): void {
  dropCached((e) => e.user.id === userId);
}

/** Ends the cached sessions of a user here and, through the database, on every other instance. */
export async function forgetSessionsOf(userId: number, db: NotifyDb = prisma): Promise<void> {
  dropCached((e) => e.user.id === userId);
  await notify(db, SESSIONS_CHANNEL, `u:${userId}`).catch((err: unknown) => console.error("session change not sent to the other instances:", err));
}

/** Resolves a session token to its user; the DB row makes logout and role changes take effect at once. */
export async function userFromToken(token: string | undefined | null): Promise<SessionUser | null> {
  if (!token) return null;
  const usable = cacheUsable();
  const hit = sessionCache.get(token);
  if (hit && hit.until > Date.now() && usable.ok && hit.epoch === usable.epoch) return hit.user;
  const user = await resolveToken(token);
  if (user && usable.ok) {
    if (sessionCache.size > 10_000) sessionCache.clear();
    sessionCache.set(token, { user, until: Date.now() + CACHE_MS, epoch: usable.epoch });
  }
  return user;
}

async function resolveToken(token: string): Promise<SessionUser | null> {
  let sid: unknown;
  try {
    const { payload } = await jwtVerify(token, signingKey(), { algorithms: ["HS256"] });
    sid = payload.sid;
  } catch {
    return null;
  }
  if (typeof sid !== "string") return null;
  const session = await prisma.session.findUnique({ where: { id: sid }, include: { user: true } });
  if (!session || session.expiresAt.getTime() < Date.now() || session.user.disabled) return null;
  const role = roleSchema.safeParse(session.user.role);
  if (!role.success) return null;
  return { id: session.user.id, login: session.user.login, role: role.data, sessionId: session.id };
}

export async function destroySession(sessionId: string): Promise<void> {
  dropCached((e) => e.user.sessionId === sessionId);
  // The row and the notice to the other instances in one transaction (the notice is delivered at its commit).
  await prisma.$transaction(async (tx) => {
    await tx.session.deleteMany({ where: { id: sessionId } });
    await notify(tx, SESSIONS_CHANNEL, `s:${sessionId}`);
  });
}

export function readCookie(req: Request, name: string): string | undefined {
  return readCookieHeader(req.headers.get("cookie"), name);
}

/** A cookie's value from a Cookie header (also for the server's fast path, which has no Request). */
export function readCookieHeader(header: string | null | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() !== name) continue;
    // A malformed escape (`%E0%A4%A`) is no session, not a server error.
    try {
      return decodeURIComponent(part.slice(eq + 1).trim());
    } catch {
      return undefined;
    }
  }
  return undefined;
}

export function sessionCookie(token: string, expiresAt: Date, secure: boolean): string {
  const attrs = [
    `${SESSION_COOKIE}=${token}`,
    "Path=/",
    "HttpOnly",
    "SameSite=Strict",
    `Expires=${expiresAt.toUTCString()}`,
  ];
  if (secure) attrs.push("Secure");
  return attrs.join("; ");
}

export function clearSessionCookie(): string {
  return `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0`;
}
