import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { z } from "zod";
import { audit } from "@/lib/audit";
import { prisma, type Tx } from "@/lib/db/client";
import { privateDir } from "@/lib/db/url";
import { badRequest, conflict, forbidden, HttpError, notFound } from "@/lib/http/errors";
import { hashPassword, loginSchema, newPasswordSchema, verifyPassword } from "./password";
import { roleSchema, type Role } from "./roles";
import { lockRows } from "@/lib/db/sql";
import { createSession, forgetCachedSessionsOf, forgetSessionsOf } from "./session";
import { admit, clearLoginFailures, recordLoginFailure, throttleKeys } from "./throttle";

export const credentialsSchema = z.object({
  login: z.string().min(1, "is required").max(64, "must be at most 64 characters"),
  password: z.string().min(1, "is required").max(256, "must be at most 256 characters"),
});

// A hash to verify against when the login is unknown, so both paths take the same time.
let dummyHash: Promise<string> | null = null;

export const UNKNOWN_LOGIN = "(unknown login)";
/** Failed logins for unknown names (nobody's account) keep only the newest rows. */
export const UNKNOWN_LOGIN_AUDIT_CAP = 1_000;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export async function login(body: unknown, ip: string | null) {
  const { login: name, password } = credentialsSchema.parse(body);
  const keys = throttleKeys(name, ip);
  const admission = admit(keys);
  if (admission.kind === "refused") {
    const seconds = Math.max(1, Math.ceil(admission.retryAfterMs / 1000));
    const why = admission.reason === "parallel" ? "Too many login attempts at once from your address" : "Too many failed logins from your address";
    throw new HttpError(429, `${why}; try again in ${seconds} s`, [{ field: "login", rule: "throttle", message: `try again in ${seconds} s` }], { retryAfterSeconds: seconds }, { "retry-after": String(seconds) });
  }
  try {
    // Failures elsewhere for this login hold the answer a few seconds; the password is checked after.
    if (admission.holdMs > 0) await sleep(admission.holdMs);
    const user = await prisma.user.findUnique({ where: { login: name } });
    dummyHash ??= hashPassword(crypto.randomBytes(16).toString("hex"));
    const ok = await verifyPassword(user?.passwordHash ?? (await dummyHash), password);
    if (!user || !ok || user.disabled) {
      recordLoginFailure(keys);
      // An unknown login may be a password typed into the wrong field: it is not written down.
      const who = user ? user.login : UNKNOWN_LOGIN;
      await audit({ actor: who, action: "login_failed", entityType: "user", entityName: who, ip });
      if (!user) await pruneUnknownLoginRows();
      throw new HttpError(401, "Wrong login or password", [{ field: "password", rule: "credentials", message: "wrong login or password" }]);
    }
    clearLoginFailures(keys);
    const session = await createSession(user.id);
    await audit({ actor: user.login, action: "login", entityType: "user", entityId: user.id, entityName: user.login, ip });
    return { user: { id: user.id, login: user.login, role: user.role }, ...session };
  } finally {
    admission.release();
  }
}

/** Keeps the newest UNKNOWN_LOGIN_AUDIT_CAP failed logins of unknown names; older ones are dropped. */
async function pruneUnknownLoginRows(): Promise<void> {
  const where = { action: "login_failed", actor: UNKNOWN_LOGIN };
  const cutoff = await prisma.auditEvent.findFirst({ where, orderBy: { id: "desc" }, skip: UNKNOWN_LOGIN_AUDIT_CAP, select: { id: true } });
  if (cutoff) await prisma.auditEvent.deleteMany({ where: { ...where, id: { lte: cutoff.id } } });
}

// ---------- first admin ----------

export function setupTokenPath(): string {
  return process.env.APP_SETUP_TOKEN_FILE ?? path.resolve(/*turbopackIgnore: true*/ process.cwd(), "data", "setup-token");
}

/**
 * On first run there is no user. With ADMIN_PASSWORD set, the first admin is created from the
 * environment; otherwise a one-time setup token is written (mode 0600) and the setup page asks for it.
 */
export async function ensureFirstAdmin(log: (msg: string) => void = console.log): Promise<void> {
  if ((await prisma.user.count()) > 0) return;
  const password = process.env.ADMIN_PASSWORD;
  if (password) {
    const login = process.env.ADMIN_LOGIN ?? "admin";
    const parsedLogin = loginSchema.safeParse(login);
    const parsedPassword = newPasswordSchema.safeParse(password);
    if (!parsedLogin.success) throw new Error(`ADMIN_LOGIN ${parsedLogin.error.issues[0].message}`);
    if (!parsedPassword.success) throw new Error(`ADMIN_PASSWORD ${parsedPassword.error.issues[0].message}`);
    await createFirstAdmin(login, password, "environment");
    log(`first admin "${login}" created from ADMIN_PASSWORD`);
    return;
  }
  const file = setupTokenPath();
  if (!fs.existsSync(file)) {
    privateDir(path.dirname(file));
    fs.writeFileSync(file, crypto.randomBytes(18).toString("base64url") + "\n", { mode: 0o600 });
  }
  log(`no user yet: open /setup and enter the one-time token from ${file}`);
}

async function createFirstAdmin(login: string, password: string, via: string) {
  const passwordHash = await hashPassword(password);
  await prisma.$transaction(async (tx) => {
    if ((await tx.user.count()) > 0) throw conflict("Setup is already done");
    const user = await tx.user.create({ data: { login, passwordHash, role: "admin" } });
    await audit({ actor: login, action: "setup", entityType: "user", entityId: user.id, entityName: login, after: { login, role: "admin", via } }, tx);
  });
}

export const setupSchema = z.object({
  token: z.string().min(1, "is required").max(200),
  login: loginSchema,
  password: newPasswordSchema,
});

export async function setupStatus(): Promise<{ needed: boolean }> {
  return { needed: (await prisma.user.count()) === 0 };
}

export async function completeSetup(body: unknown): Promise<void> {
  const input = setupSchema.parse(body);
  if ((await prisma.user.count()) > 0) throw conflict("Setup is already done");
  const file = setupTokenPath();
  const expected = fs.existsSync(file) ? fs.readFileSync(file, "utf8").trim() : "";
  const a = Buffer.from(expected);
  const b = Buffer.from(input.token.trim());
  if (!expected || a.length !== b.length || !crypto.timingSafeEqual(a, b)) {
    throw new HttpError(403, "Wrong setup token", [{ field: "token", rule: "token", message: `does not match the token in ${file}` }]);
  }
  await createFirstAdmin(input.login, input.password, "setup page");
  fs.rmSync(file, { force: true });
}

// ---------- users (admin) ----------

export const userCreateSchema = z.object({ login: loginSchema, password: newPasswordSchema, role: roleSchema });
export const userUpdateSchema = z.object({
  role: roleSchema.optional(),
  password: z.preprocess((v) => (v === "" ? undefined : v), newPasswordSchema.optional()),
  disabled: z.boolean().optional(),
});

const userView = (u: { id: number; login: string; role: string; disabled: boolean; createdAt: Date }) => ({
  id: u.id,
  login: u.login,
  role: u.role,
  disabled: u.disabled,
  createdAt: u.createdAt,
});

export async function listUsers() {
  const users = await prisma.user.findMany({ orderBy: { login: "asc" } });
  return users.map(userView);
}

export async function createUser(body: unknown, actor: { login: string; ip: string | null }) {
  const input = userCreateSchema.parse(body);
  if (await prisma.user.findUnique({ where: { login: input.login } })) {
    throw conflict(`A user named "${input.login}" already exists`, [{ field: "login", rule: "unique", message: "is taken" }]);
  }
  const passwordHash = await hashPassword(input.password);
  const user = await prisma.$transaction(async (tx) => {
    const created = await tx.user.create({ data: { login: input.login, passwordHash, role: input.role } });
    await audit({ actor: actor.login, ip: actor.ip, action: "create", entityType: "user", entityId: created.id, entityName: created.login, after: userView(created) }, tx);
    return created;
  });
  return userView(user);
}

export async function updateUser(id: number, body: unknown, actor: { id: number; login: string; ip: string | null }) {
  const input = userUpdateSchema.parse(body);
  const existing = await prisma.user.findUnique({ where: { id } });
  if (!existing) throw notFound(`User ${id} does not exist`);
  if (id === actor.id && ((input.role && input.role !== "admin") || input.disabled)) {
    throw forbidden("You cannot demote or disable yourself; ask another admin");
  }
  const data: { role?: Role; disabled?: boolean; passwordHash?: string } = {};
  if (input.role) data.role = input.role;
  if (input.disabled !== undefined) data.disabled = input.disabled;
  if (input.password) data.passwordHash = await hashPassword(input.password);
  const user = await prisma.$transaction(async (tx) => {
    await assertAdminRemains(tx, id, input.role, input.disabled);
    const updated = await tx.user.update({ where: { id }, data });
    if (input.password || input.disabled) await tx.session.deleteMany({ where: { userId: id } });
    await audit({ actor: actor.login, ip: actor.ip, action: "update", entityType: "user", entityId: id, entityName: updated.login, before: userView(existing), after: { ...userView(updated), passwordChanged: Boolean(input.password) } }, tx);
    // Every instance drops the user's cached sessions when this commits (a role change, a disable).
    await forgetSessionsOf(id, tx);
    return updated;
  });
  forgetCachedSessionsOf(id);
  return userView(user);
}

export async function deleteUser(id: number, actor: { id: number; login: string; ip: string | null }) {
  if (id === actor.id) throw forbidden("You cannot delete yourself");
  const existing = await prisma.user.findUnique({ where: { id } });
  if (!existing) throw notFound(`User ${id} does not exist`);
  await prisma.$transaction(async (tx) => {
    await assertAdminRemains(tx, id, "viewer", true);
    await tx.user.delete({ where: { id } });
    await audit({ actor: actor.login, ip: actor.ip, action: "delete", entityType: "user", entityId: id, entityName: existing.login, before: userView(existing) }, tx);
    await forgetSessionsOf(id, tx);
  });
  forgetCachedSessionsOf(id);
}

async function assertAdminRemains(tx: Tx, id: number, role: Role | undefined, disabled: boolean | undefined) {
  const target = await tx.user.findUnique({ where: { id } });
  if (!target || target.role !== "admin") return;
  const losesAdmin = (role && role !== "admin") || disabled;
  if (!losesAdmin) return;
  // Two admins demoting each other at once (PostgreSQL reads committed data, instances run side by
  // side) must not both pass: the active admins' rows are locked before they are counted.
  await lockRows(tx, "user", (await tx.user.findMany({ where: { role: "admin", disabled: false }, select: { id: true } })).map((u) => u.id));
  const admins = await tx.user.count({ where: { role: "admin", disabled: false } });
  if (admins <= 1) throw badRequest("At least one active admin must remain", [{ field: "role", rule: "last-admin", message: "the last active admin must stay admin" }]);
}
