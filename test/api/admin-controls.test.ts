/**
 * Admin-only controls hold on every path of the running app's API (route handlers, real SQLite):
 * an operator cannot get around host-key pinning with a second Host record, cannot make or
 * unmake a primary, and cannot choose commands that run on hosts. Each refusal is a 403 that names
 * the field; nothing is written.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { freshDatabase } from "../support/db";
import { call } from "../support/api";
import { freePort } from "../support/net";

freshDatabase();
const { prisma } = await import("@/lib/db/client");
const { seedDemo } = await import("@/lib/demo/seed");
const { makeUser } = await import("./fixtures");
const collection = await import("@/app/api/[kind]/route");
const item = await import("@/app/api/[kind]/[id]/route");
const hostKey = await import("@/app/api/deploy/hosts/[id]/host-key/route");
const programs = await import("@/app/api/deploy/programs/route");

type H = Parameters<typeof call>[0];
let op = "";
let admin = "";
const PINNED = "SHA256:" + "a".repeat(43);
const OTHER = "SHA256:" + "b".repeat(43);

const post = (kind: string, body: unknown, cookie: string) => call(collection.POST as unknown as H, `/api/${kind}`, { method: "POST", body, cookie, params: { kind } });
const put = (kind: string, id: number, body: unknown, cookie: string) => call(item.PUT as unknown as H, `/api/${kind}/${id}`, { method: "PUT", body, cookie, params: { kind, id: String(id) } });
const del = (kind: string, id: number, cookie: string) => call(item.DELETE as unknown as H, `/api/${kind}/${id}`, { method: "DELETE", cookie, params: { kind, id: String(id) } });
const expectAdminOnly = (res: { status: number; json: Record<string, any> }, field: string) => {
  expect(res.status, JSON.stringify(res.json)).toBe(403);
  expect(res.json.error).toContain("needs an admin");
  expect(res.json.fields[0]).toMatchObject({ field, rule: "admin-only" });
};

beforeAll(async () => {
  await seedDemo(prisma);
  op = await makeUser("op", "operator");
  admin = await makeUser("adm", "admin");
  // bacula-a's key was pinned (as the Deploy page does after the comparison).
  await prisma.host.update({ where: { name: "bacula-a" }, data: { address: "127.0.0.1", sshPort: await freePort(), hostKeyFingerprint: PINNED } });
});

describe("admin-only controls on every path", () => {
  it("a Host record for an address that already has a pinned key, and pinning another key for it", async () => {
    const twin = { name: "twin", address: "127.0.0.1", sshPort: await freePort(), sshUser: "bacula" };
    expectAdminOnly(await post("hosts", twin, op), "address");
    expect(await prisma.host.count({ where: { name: "twin" } })).toBe(0);
    // Moving an existing record onto that address is the same thing.
    const b = await prisma.host.findUniqueOrThrow({ where: { name: "bacula-b" } });
    expectAdminOnly(await put("hosts", b.id, { name: b.name, address: "127.0.0.1", sshPort: b.sshPort, sshUser: b.sshUser }, op), "address");
    expect((await prisma.host.findUniqueOrThrow({ where: { id: b.id } })).address).toBe("bacula-b.example.net");
    const created = await post("hosts", twin, admin);
    expect(created.status).toBe(201);
    // Pinning a different key for the twin: an operator is refused before any connection...
    const pin = (cookie: string, fingerprint: string) => call(hostKey.POST as unknown as H, "/x", { method: "POST", cookie, params: { id: String(created.json.id) }, body: { fingerprint } });
    const byOp = await pin(op, OTHER);
    expectAdminOnly(byOp, "fingerprint");
    expect(byOp.json.error).toContain(PINNED);
    // ... an admin gets past the rule (and then to the host, which does not answer here: 409).
    expect((await pin(admin, OTHER)).status).toBe(409);
    expect((await prisma.host.findUniqueOrThrow({ where: { id: created.json.id } })).hostKeyFingerprint).toBeNull();
  });

  it("creating a Director as primary or standby, changing its role or primary", async () => {
    const base = { address: "n.example.net", password: "p4ssword", version: "15.0.3" };
    const primary = await prisma.director.findUniqueOrThrow({ where: { name: "bacula-dir" } });
    expectAdminOnly(await post("directors", { ...base, name: "new-primary", role: "primary" }, op), "role");
    expectAdminOnly(await post("directors", { ...base, name: "new-standby", role: "standby", primaryId: primary.id }, op), "role");
    expect(await prisma.director.count({ where: { name: { in: ["new-primary", "new-standby"] } } })).toBe(0);
    const indep = await post("directors", { ...base, name: "indep", role: "independent" }, op);
    expect(indep.status).toBe(201);
    const upd = (role: string, primaryId: number | null, cookie: string) => put("directors", indep.json.id, { ...base, name: "indep", role, primaryId }, cookie);
    expectAdminOnly(await upd("standby", primary.id, op), "role");
    expect((await upd("standby", primary.id, admin)).status).toBe(200);
    // The primary a standby follows is as much a decision as its role.
    const other = await post("directors", { ...base, name: "other-primary", role: "primary" }, admin);
    expect(other.status).toBe(201);
    expectAdminOnly(await upd("standby", other.json.id, op), "primaryId");
    expect((await prisma.director.findUniqueOrThrow({ where: { id: indep.json.id } })).primaryId).toBe(primary.id);
  });

  it("creating or deleting a primary catalog member", async () => {
    const cluster = await prisma.catalogCluster.findUniqueOrThrow({ where: { name: "catalog-main" } });
    const primary = await prisma.catalogMember.findFirstOrThrow({ where: { clusterId: cluster.id, role: "primary" } });
    expectAdminOnly(await del("catalog-members", primary.id, op), "role");
    expect(await prisma.catalogMember.count({ where: { id: primary.id } })).toBe(1);
    const other = await prisma.catalogCluster.create({ data: { name: "catalog-two" } });
    expectAdminOnly(await post("catalog-members", { name: "pg-new", clusterId: other.id, role: "primary", address: "pg-new.example.net" }, op), "role");
    expect((await post("catalog-members", { name: "pg-new", clusterId: other.id, role: "standby", address: "pg-new.example.net" }, op)).status).toBe(201);
    expect((await del("catalog-members", primary.id, admin)).status).toBe(204);
    expect(await prisma.auditEvent.count({ where: { action: "delete", entityType: "catalog-members", actor: "adm" } })).toBe(1);
  });

  it("a Storage Daemon's restart command: admin only, and only an allowed program", async () => {
    const sd = { name: "sd-new", address: "sd.example.net", password: "sd-password", version: "15.0.3" };
    expectAdminOnly(await post("storage-daemons", { ...sd, restartCommand: "/bin/sh -c id" }, op), "restartCommand");
    const plain = await post("storage-daemons", { ...sd, restartCommand: "systemctl restart bacula-sd" }, op);
    expect(plain.status).toBe(201);
    const upd = (restartCommand: string, cookie: string) => put("storage-daemons", plain.json.id, { ...sd, restartCommand }, cookie);
    expectAdminOnly(await upd("systemctl restart bacula-sd-2", op), "restartCommand");
    const shell = await upd("/bin/sh -c id", admin);
    expect(shell.status).toBe(400);
    expect(shell.json.fields[0]).toMatchObject({ field: "restartCommand", rule: "interpreter" });
    const custom = await upd("/usr/local/sbin/restart-sd --now", admin);
    expect(custom.json.fields[0]).toMatchObject({ field: "restartCommand", rule: "program-allowed" });
    // An admin allows that program explicitly (audited); an interpreter never.
    const setPrograms = (cookie: string, list: string[]) => call(programs.PUT as unknown as H, "/api/deploy/programs", { method: "PUT", cookie, body: { programs: list } });
    expect((await setPrograms(op, ["/usr/local/sbin/restart-sd"])).status).toBe(403);
    const interp = await setPrograms(admin, ["/usr/bin/python3"]);
    expect(interp.status).toBe(400);
    expect(interp.json.fields[0]).toMatchObject({ field: "programs.0", rule: "interpreter" });
    expect((await setPrograms(admin, ["/usr/local/sbin/restart-sd"])).status).toBe(200);
    expect((await upd("/usr/local/sbin/restart-sd --now", admin)).status).toBe(200);
    const ev = await prisma.auditEvent.findFirstOrThrow({ where: { action: "deploy_programs" } });
    expect(ev).toMatchObject({ actor: "adm" });
    expect(ev.after).toEqual({ programs: ["/usr/local/sbin/restart-sd"] });
    // An operator may still edit everything else and keep the command.
    expect((await put("storage-daemons", plain.json.id, { ...sd, site: "site-z", restartCommand: "/usr/local/sbin/restart-sd --now" }, op)).status).toBe(200);
  });
});
