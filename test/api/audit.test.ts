/**
 * The audit log's client address and action filter, through the real route handlers on a real
 * SQLite file: the address of the request is on every event written while serving it (also from
 * work it started in the background), forwarded headers count only with TRUST_PROXY=1, the TCP
 * peer that scripts/serve.mjs hands over counts otherwise, and the filter accepts exactly the
 * actions of lib/audit/actions.ts (an operation's steps as a whole).
 */
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { freshDatabase } from "../support/db";
import { call, cookieFrom } from "../support/api";

freshDatabase();
process.env.ADMIN_PASSWORD = "audit-admin-password-1";

const { prisma } = await import("@/lib/db/client");
const { audit } = await import("@/lib/audit");
const { AUDIT_ACTIONS, AUDIT_ACTION_FILTERS, OPERATION_ACTIONS } = await import("@/lib/audit/actions");
const { api } = await import("@/lib/http/handler");
const { ensureFirstAdmin } = await import("@/lib/auth/service");
const loginRoute = (await import("@/app/api/auth/login/route")).POST as never;
const auditRoute = (await import("@/app/api/audit/route")).GET as never;
const collection = (await import("@/app/api/[kind]/route")).POST as never;

const PEER = Symbol.for("bacula-ha.peerHeader");
let cookie = "";

beforeAll(async () => {
  await ensureFirstAdmin(() => undefined);
  const res = await call(loginRoute, "/api/auth/login", { method: "POST", body: { login: "admin", password: process.env.ADMIN_PASSWORD } });
  expect(res.status).toBe(200);
  cookie = cookieFrom(res);
});

afterEach(() => {
  delete process.env.TRUST_PROXY;
  delete (globalThis as Record<symbol, unknown>)[PEER];
});

const lastEvent = () => prisma.auditEvent.findFirstOrThrow({ orderBy: { id: "desc" } });

describe("client address", () => {
  it("behind a trusted proxy: the forwarded address is on the events of the request", async () => {
    process.env.TRUST_PROXY = "1";
    const res = await call(collection, "/api/hosts", {
      method: "POST",
      cookie,
      params: { kind: "hosts" },
      headers: { "x-forwarded-for": "203.0.113.7, 10.0.0.1" },
      body: { name: "audited-host", address: "192.0.2.10", sshUser: "bacula" },
    });
    expect(res.status).toBe(201);
    const e = await lastEvent();
    expect([e.action, e.entityName, e.ip]).toEqual(["create", "audited-host", "203.0.113.7"]);
  });

  it("without TRUST_PROXY a forwarded header is not believed; the TCP peer from scripts/serve.mjs is", async () => {
    const spoofed = { "x-forwarded-for": "198.51.100.66" };
    const login = (headers: Record<string, string>) =>
      call(loginRoute, "/api/auth/login", { method: "POST", headers, body: { login: "admin", password: process.env.ADMIN_PASSWORD } });
    expect((await login(spoofed)).status).toBe(200);
    expect((await lastEvent()).ip).toBeNull();

    (globalThis as Record<symbol, unknown>)[PEER] = "x-bacula-ha-peer";
    expect((await login({ ...spoofed, "x-bacula-ha-peer": "192.0.2.55" })).status).toBe(200);
    const e = await lastEvent();
    expect([e.action, e.ip]).toEqual(["login", "192.0.2.55"]);
  });

  it("work a request started and that audits after the answer (a promotion's steps) keeps its address", async () => {
    process.env.TRUST_PROXY = "1";
    let done!: () => void;
    const finished = new Promise<void>((r) => (done = r));
    const handler = api(async () => {
      setTimeout(() => {
        void audit({ actor: "admin", action: "promotion.fence_old_primary", entityType: "catalog-cluster", entityName: "bg" }).then(done);
      }, 30);
      return new Response(null, { status: 202 });
    });
    const res = await handler(new Request("http://dashboard.test/x", { headers: { "x-forwarded-for": "203.0.113.9" } }), {});
    expect(res.status).toBe(202);
    await finished;
    const e = await lastEvent();
    expect([e.action, e.ip]).toEqual(["promotion.fence_old_primary", "203.0.113.9"]);
    // Outside any request (start-up, a resumed operation) there is no address to record.
    await audit({ actor: "system", action: "seed", entityName: "outside" });
    expect((await lastEvent()).ip).toBeNull();
  });
});

describe("action filter", () => {
  it("offers every action of the registry and every operation kind as a whole", () => {
    const values = AUDIT_ACTION_FILTERS.map((f) => f.value);
    expect(values).toEqual([...Object.keys(AUDIT_ACTIONS), ...Object.keys(OPERATION_ACTIONS).map((k) => `${k}.*`)]);
    for (const needed of ["deploy", "deploy_dry_run", "host_key_pin", "host_key_repin", "promotion.*", "reattach.*", "director_switch.*", "import", "login_failed"]) {
      expect(values).toContain(needed);
    }
  });

  it("an operation kind selects all its steps and nothing else; each filter value is accepted", async () => {
    for (const action of ["promotion.requested", "promotion.finished", "reattach.requested", "director_switch.requested"] as const) {
      await audit({ actor: "admin", action, entityType: "catalog-cluster", entityName: "c1" });
    }
    const promotions = await call(auditRoute, "/api/audit", { cookie, query: { action: "promotion.*", pageSize: "200" } });
    expect(promotions.status).toBe(200);
    const actions = (promotions.json.items as { action: string }[]).map((i) => i.action);
    expect(actions.length).toBeGreaterThanOrEqual(3);
    expect(actions.every((a) => a.startsWith("promotion."))).toBe(true);
    expect(actions).toEqual(expect.arrayContaining(["promotion.requested", "promotion.finished", "promotion.fence_old_primary"]));

    const exact = await call(auditRoute, "/api/audit", { cookie, query: { action: "login" } });
    expect((exact.json.items as { action: string }[]).every((i) => i.action === "login")).toBe(true);
    expect(exact.json.total).toBeGreaterThanOrEqual(2);

    for (const f of AUDIT_ACTION_FILTERS) {
      expect((await call(auditRoute, "/api/audit", { cookie, query: { action: f.value } })).status, f.value).toBe(200);
    }
  });

  it("refuses an action the log never records, naming the field", async () => {
    const res = await call(auditRoute, "/api/audit", { cookie, query: { action: "promotion" } });
    expect(res.status).toBe(400);
    expect(res.json.fields[0].field).toBe("action");
  });
});
