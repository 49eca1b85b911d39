import fs from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { freshDatabase } from "../support/db";
import { call, cookieFrom } from "../support/api";

const { dir } = freshDatabase();

const { prisma } = await import("@/lib/db/client");
const loginRoute = (await import("@/app/api/auth/login/route")).POST as never;
const logoutRoute = (await import("@/app/api/auth/logout/route")).POST as never;
const meRoute = (await import("@/app/api/auth/me/route")).GET as never;
const setup = await import("@/app/api/setup/route");
const users = await import("@/app/api/users/route");
const userItem = await import("@/app/api/users/[id]/route");
const collection = await import("@/app/api/[kind]/route");
const { ensureFirstAdmin } = await import("@/lib/auth/service");
const { encryptSecret } = await import("@/lib/secrets");

describe("first run", () => {
  it("writes a one-time token (0600) and the setup page creates the first admin only with it", async () => {
    const logs: string[] = [];
    await ensureFirstAdmin((m) => logs.push(m));
    const tokenFile = `${dir}/setup-token`;
    expect(fs.statSync(tokenFile).mode & 0o777).toBe(0o600);
    expect(logs[0]).toContain("/setup");
    const token = fs.readFileSync(tokenFile, "utf8").trim();

    expect((await call(setup.GET as never, "/api/setup")).json).toEqual({ needed: true });
    const wrong = await call(setup.POST as never, "/api/setup", { method: "POST", body: { token: "nope", login: "root", password: "a-long-password-1" } });
    expect(wrong.status).toBe(403);
    expect(wrong.json.fields[0].field).toBe("token");
    const weak = await call(setup.POST as never, "/api/setup", { method: "POST", body: { token, login: "root", password: "short" } });
    expect(weak.status).toBe(400);
    expect(weak.json.fields[0]).toMatchObject({ field: "password", message: "must be at least 12 characters" });
    expect(await prisma.user.count()).toBe(0);

    const ok = await call(setup.POST as never, "/api/setup", { method: "POST", body: { token, login: "root", password: "a-long-password-1" } });
    expect(ok.status).toBe(201);
    expect(fs.existsSync(tokenFile)).toBe(false);
    const again = await call(setup.POST as never, "/api/setup", { method: "POST", body: { token, login: "other", password: "a-long-password-1" } });
    expect(again.status).toBe(409);
    const admin = await prisma.user.findUniqueOrThrow({ where: { login: "root" } });
    expect(admin.role).toBe("admin");
    expect(admin.passwordHash).toMatch(/^\$argon2id\$/);
  });
});

describe("sessions and roles", () => {
  let admin = "";
  beforeAll(async () => {
    const res = await call(loginRoute, "/api/auth/login", { method: "POST", body: { login: "root", password: "a-long-password-1" } });
    expect(res.status).toBe(200);
    const setCookie = res.headers.get("set-cookie") ?? "";
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/SameSite=Strict/);
    admin = cookieFrom(res);
  });

  it("refuses a wrong password with 401, audits it, and backs off per address; the right password gets in after the delay", async () => {
    process.env.TRUST_PROXY = "1";
    const { resetThrottle } = await import("@/lib/auth/throttle");
    resetThrottle();
    const from = (ip: string, password: string) =>
      call(loginRoute, "/api/auth/login", { method: "POST", body: { login: "root", password }, headers: { "x-forwarded-for": ip } });
    const bad = await from("203.0.113.9", "wrong");
    expect(bad.status).toBe(401);
    expect(await prisma.auditEvent.count({ where: { action: "login_failed", actor: "root" } })).toBe(1);
    for (let i = 0; i < 3; i++) expect((await from("203.0.113.9", "wrong")).status).toBe(401);
    // Four failures for root from this address: the next try waits 1 s (refused without checking the password).
    const early = await from("203.0.113.9", "a-long-password-1");
    expect(early.status).toBe(429);
    expect(early.headers.get("retry-after")).toBe("1");
    expect(early.json.fields[0]).toMatchObject({ field: "login", rule: "throttle" });
    expect(await prisma.auditEvent.count({ where: { action: "login_failed", actor: "root" } })).toBe(4);
    await new Promise((r) => setTimeout(r, 1_050));
    const after = await from("203.0.113.9", "a-long-password-1");
    expect(after.status).toBe(200);
    delete process.env.TRUST_PROXY;
  });

  it("cannot lock the owner out: failures from elsewhere only hold the right password a moment, never refuse it", async () => {
    process.env.TRUST_PROXY = "1";
    const { resetThrottle, throttleState } = await import("@/lib/auth/throttle");
    resetThrottle();
    const from = (ip: string, password: string) =>
      call(loginRoute, "/api/auth/login", { method: "POST", body: { login: "root", password }, headers: { "x-forwarded-for": ip } });
    // An attacker: four wrong passwords from one address (then refused there), two from another.
    for (let i = 0; i < 4; i++) expect((await from("198.51.100.66", "guess")).status).toBe(401);
    expect((await from("198.51.100.66", "guess")).status).toBe(429);
    for (let i = 0; i < 2; i++) expect((await from("198.51.100.67", "guess")).status).toBe(401);
    expect(throttleState("login", "root")).toMatchObject({ failures: 6 });
    // The owner elsewhere: held 0.5 s by the login's counter, then let in; it clears the login's counter.
    const t0 = performance.now();
    const owner = await from("192.0.2.10", "a-long-password-1");
    expect(owner.status).toBe(200);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(450);
    expect(throttleState("login", "root")).toBeNull();
    // Parallel guesses from one address do not skip the counters: at most 2 are checked at once.
    resetThrottle();
    const burst = await Promise.all(Array.from({ length: 6 }, () => from("198.51.100.77", "guess")));
    expect(burst.filter((r) => r.status === 401).length).toBeLessThanOrEqual(2);
    expect(burst.filter((r) => r.status === 429).length).toBeGreaterThanOrEqual(4);
    resetThrottle();
    delete process.env.TRUST_PROXY;
  });

  it("keeps throttle memory and unknown-login audit rows bounded", async () => {
    const { MAX_ENTRIES, recordLoginFailure, resetThrottle, throttleKeys, throttleSizes } = await import("@/lib/auth/throttle");
    for (let i = 0; i < MAX_ENTRIES + 500; i++) recordLoginFailure(throttleKeys(`user${i}`, `10.${i >> 16}.${(i >> 8) & 255}.${i & 255}`));
    expect(throttleSizes()).toEqual({ address: MAX_ENTRIES, pair: MAX_ENTRIES, login: MAX_ENTRIES });
    resetThrottle();
    const { UNKNOWN_LOGIN, UNKNOWN_LOGIN_AUDIT_CAP } = await import("@/lib/auth/service");
    await prisma.auditEvent.createMany({ data: Array.from({ length: UNKNOWN_LOGIN_AUDIT_CAP + 20 }, () => ({ actor: UNKNOWN_LOGIN, action: "login_failed", entityType: "user", entityName: UNKNOWN_LOGIN })) });
    const res = await call(loginRoute, "/api/auth/login", { method: "POST", body: { login: "nobody-here", password: "x" } });
    expect(res.status).toBe(401);
    expect(await prisma.auditEvent.count({ where: { action: "login_failed", actor: UNKNOWN_LOGIN } })).toBe(UNKNOWN_LOGIN_AUDIT_CAP);
    // Rows of real accounts are kept.
    expect(await prisma.auditEvent.count({ where: { action: "login_failed", actor: "root" } })).toBeGreaterThan(0);
    resetThrottle();
  });

  it("does not write an unknown login (maybe a mistyped password) into the audit log, nor trust forwarded addresses by default", async () => {
    const res = await call(loginRoute, "/api/auth/login", { method: "POST", body: { login: "MySecretPassw0rd", password: "x" }, headers: { "x-forwarded-for": "198.51.100.7" } });
    expect(res.status).toBe(401);
    const events = await prisma.auditEvent.findMany({ where: { action: "login_failed" }, orderBy: { id: "desc" }, take: 1 });
    expect(events[0].actor).toBe("(unknown login)");
    expect(JSON.stringify(await prisma.auditEvent.findMany())).not.toContain("MySecretPassw0rd");
    expect(events[0].ip).toBeNull();
  });

  it("gives each role what it may do and no more", async () => {
    const mk = (login: string, role: string) =>
      call(users.POST as never, "/api/users", { method: "POST", cookie: admin, body: { login, password: "role-password-12", role } });
    expect((await mk("op", "operator")).status).toBe(201);
    expect((await mk("vw", "viewer")).status).toBe(201);
    const dup = await mk("op", "viewer");
    expect(dup.status).toBe(409);
    const login = async (l: string) => cookieFrom(await call(loginRoute, "/api/auth/login", { method: "POST", body: { login: l, password: "role-password-12" } }));
    const op = await login("op");
    const vw = await login("vw");

    const body = { name: "RolePool", directorId: 1, poolType: "Backup" };
    const director = await prisma.director.create({ data: { name: "d", address: "d.example.net", passwordEnc: encryptSecret("x") } });
    body.directorId = director.id;
    const post = (cookie: string) => call(collection.POST as never, "/api/pools", { method: "POST", cookie, body, params: { kind: "pools" } });
    const anon = await call(collection.GET as never, "/api/pools", { params: { kind: "pools" } });
    expect(anon.status).toBe(401);
    expect((await call(collection.GET as never, "/api/pools", { cookie: vw, params: { kind: "pools" } })).status).toBe(200);
    const denied = await post(vw);
    expect(denied.status).toBe(403);
    expect(denied.json.error).toContain("operator");
    expect((await post(op)).status).toBe(201);
    expect((await call(users.GET as never, "/api/users", { cookie: op })).status).toBe(403);
    expect((await call(users.GET as never, "/api/users", { cookie: admin })).json.items).toHaveLength(3);
  });

  it("refuses cross-site writes even with a valid session", async () => {
    const evil = await call(collection.POST as never, "/api/pools", { method: "POST", cookie: admin, origin: "http://evil.example", body: {}, params: { kind: "pools" } });
    expect(evil.status).toBe(403);
    const fetchSite = await call(collection.POST as never, "/api/pools", { method: "POST", cookie: admin, headers: { "sec-fetch-site": "cross-site" }, origin: null, body: {}, params: { kind: "pools" } });
    expect(fetchSite.status).toBe(403);
  });

  it("keeps the last admin and refuses self-demotion", async () => {
    const rootUser = await prisma.user.findUniqueOrThrow({ where: { login: "root" } });
    const self = await call(userItem.PUT as never, `/api/users/${rootUser.id}`, { method: "PUT", cookie: admin, body: { role: "viewer" }, params: { id: String(rootUser.id) } });
    expect(self.status).toBe(403);
    const vw = await prisma.user.findUniqueOrThrow({ where: { login: "vw" } });
    const promote = await call(userItem.PUT as never, `/api/users/${vw.id}`, { method: "PUT", cookie: admin, body: { role: "operator" }, params: { id: String(vw.id) } });
    expect(promote.json.role).toBe("operator");
  });

  it("logs out: the session stops working at once", async () => {
    const res = await call(loginRoute, "/api/auth/login", { method: "POST", body: { login: "root", password: "a-long-password-1" } });
    const cookie = cookieFrom(res);
    expect((await call(meRoute, "/api/auth/me", { cookie })).status).toBe(200);
    const out = await call(logoutRoute, "/api/auth/logout", { method: "POST", cookie });
    expect(out.headers.get("set-cookie")).toMatch(/Max-Age=0/);
    expect((await call(meRoute, "/api/auth/me", { cookie })).status).toBe(401);
    const forged = cookie.replace(/.$/, (c) => (c === "A" ? "B" : "A"));
    expect((await call(meRoute, "/api/auth/me", { cookie: forged })).status).toBe(401);
    const actions = (await prisma.auditEvent.findMany({ where: { actor: "root" } })).map((e) => e.action);
    expect(actions).toEqual(expect.arrayContaining(["setup", "login", "login_failed", "logout"]));
  });
});
