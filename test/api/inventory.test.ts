import http from "node:http";
import type { AddressInfo } from "node:net";
import { gunzipSync } from "node:zlib";
import { beforeAll, describe, expect, it } from "vitest";
import { freshDatabase } from "../support/db";
import { call } from "../support/api";

freshDatabase();

const { prisma } = await import("@/lib/db/client");
const { seedDemo } = await import("@/lib/demo/seed");
const collection = await import("@/app/api/[kind]/route");
const item = await import("@/app/api/[kind]/[id]/route");
const options = await import("@/app/api/[kind]/options/route");
const { makeUser } = await import("./fixtures");
const { encryptSecret } = await import("@/lib/secrets");
const { listFastRoute } = await import("@/lib/inventory/http");

type H = Parameters<typeof call>[0];
const list = collection.GET as unknown as H;
const create = collection.POST as unknown as H;
const read = item.GET as unknown as H;
const update = item.PUT as unknown as H;
const remove = item.DELETE as unknown as H;

let op = "";
let viewer = "";
let dirId = 0;

beforeAll(async () => {
  await seedDemo(prisma);
  op = await makeUser("oper", "operator");
  viewer = await makeUser("view", "viewer");
  dirId = (await prisma.director.findUniqueOrThrow({ where: { name: "bacula-dir" } })).id;
});

const post = (kind: string, body: unknown, cookie = op) => call(create, `/api/${kind}`, { method: "POST", body, cookie, params: { kind } });

describe("inventory API", () => {
  it("lists with search, sort and pages, and names what references point at", async () => {
    const res = await call(list, "/api/storages", { cookie: viewer, params: { kind: "storages" }, query: { q: "File", sort: "name", dir: "desc", pageSize: "2" } });
    expect(res.status).toBe(200);
    expect(res.json.total).toBe(4);
    expect(res.json.items.map((s: { name: string }) => s.name)).toEqual(["OffsiteFile", "File6"]);
    expect(res.json.items[1].refNames).toMatchObject({ directorId: "bacula-dir", storageDaemonId: "sd-site-a" });
    expect(res.json.items[1].deviceName).toBe("FileDev6");
    const page2 = await call(list, "/api/storages", { cookie: viewer, params: { kind: "storages" }, query: { q: "File", sort: "name", dir: "desc", pageSize: "2", page: "2" } });
    expect(page2.json.items.map((s: { name: string }) => s.name)).toEqual(["File5", "File4"]);
    const pools = await call(list, "/api/pools", { cookie: viewer, params: { kind: "pools" }, query: { q: "Nightly" } });
    expect(pools.json.items[0].storageNames).toEqual(["File4", "File5", "File6"]);
    expect(pools.json.items[0].storagePolicy).toBe("LeastUsed");
  });

  it("refuses an unknown sort field and an unknown kind with the status that fits", async () => {
    const bad = await call(list, "/api/pools", { cookie: viewer, params: { kind: "pools" }, query: { sort: "passwordEnc" } });
    expect(bad.status).toBe(400);
    expect(bad.json.fields[0]).toMatchObject({ field: "sort", rule: "enum" });
    const unknown = await call(list, "/api/volumes", { cookie: viewer, params: { kind: "volumes" } });
    expect(unknown.status).toBe(404);
    const badId = await call(read, "/api/pools/abc", { cookie: viewer, params: { kind: "pools", id: "abc" } });
    expect(badId.status).toBe(400);
    const missing = await call(read, "/api/pools/9999", { cookie: viewer, params: { kind: "pools", id: "9999" } });
    expect(missing.status).toBe(404);
  });

  it("names the field and the rule for a bad Bacula name and for injected line breaks", async () => {
    const res = await post("pools", { name: "bad{name", directorId: dirId, poolType: "Backup", labelFormat: "Vol-\nStorage = Evil" });
    expect(res.status).toBe(400);
    const fields = Object.fromEntries(res.json.fields.map((f: { field: string; message: string }) => [f.field, f.message]));
    expect(fields.name).toMatch(/letters, digits, space and : \. - _/);
    expect(fields.labelFormat).toMatch(/line break/);
    const long = await post("pools", { name: "x".repeat(128), directorId: dirId, poolType: "Backup" });
    expect(long.json.fields[0]).toMatchObject({ field: "name", message: expect.stringMatching(/127/) });
    expect(await prisma.pool.count({ where: { name: "bad{name" } })).toBe(0);
  });

  it("keeps names unique per type within a Director, not across Directors", async () => {
    const dup = await post("pools", { name: "Nightly", directorId: dirId, poolType: "Backup" });
    expect(dup.status).toBe(409);
    expect(dup.json.fields[0]).toMatchObject({ field: "name", rule: "unique" });
    expect(dup.json.error).toContain('on Director "bacula-dir"');
    const other = await prisma.director.create({ data: { name: "independent-dir", address: "x.example.net", passwordEnc: encryptSecret("x"), version: "15.0.3" } });
    const ok = await post("pools", { name: "Nightly", directorId: other.id, poolType: "Backup" });
    expect(ok.status).toBe(201);
  });

  it("builds an ordered storage group and checks members, devices and versions", async () => {
    const storages = await prisma.storage.findMany({ where: { directorId: dirId }, orderBy: { name: "asc" } });
    const [f4, f5, f6] = storages.filter((s) => s.name.startsWith("File"));
    const res = await post("pools", { name: "Grouped", directorId: dirId, poolType: "Backup", storageIds: [f6.id, f4.id, f5.id], storagePolicy: "ListedOrder" });
    expect(res.status).toBe(201);
    expect(res.json.storageNames).toEqual(["File6", "File4", "File5"]);
    const members = await prisma.storageGroupMember.findMany({ where: { poolId: res.json.id }, orderBy: { position: "asc" } });
    expect(members.map((m) => m.storageId)).toEqual([f6.id, f4.id, f5.id]);

    const threshold = await post("pools", { name: "T1", directorId: dirId, poolType: "Backup", storageIds: [f4.id], storagePolicy: "LeastUsed", storagePolicyThreshold: "100G" });
    expect(threshold.json.fields[0]).toMatchObject({ field: "storagePolicyThreshold" });

    const old = await prisma.director.create({ data: { name: "old-dir", address: "old.example.net", passwordEnc: encryptSecret("x"), version: "9.6.7" } });
    const sd = await prisma.storageDaemon.findFirstOrThrow();
    const dev = await prisma.device.findFirstOrThrow({ where: { storageDaemonId: sd.id } });
    const a = await prisma.storage.create({ data: { name: "A", directorId: old.id, storageDaemonId: sd.id, deviceId: dev.id, mediaType: dev.mediaType } });
    const b = await prisma.storage.create({ data: { name: "B", directorId: old.id, storageDaemonId: sd.id, deviceId: dev.id, mediaType: dev.mediaType } });
    const on96 = await post("pools", { name: "P", directorId: old.id, poolType: "Backup", storageIds: [a.id, b.id], storagePolicy: "LeastUsed" });
    expect(on96.status).toBe(400);
    const byField = Object.fromEntries(on96.json.fields.map((f: { field: string; message: string }) => [f.field, f.message]));
    expect(byField.storageIds).toMatch(/need Bacula 13\.0.*9\.6\.7/);
    expect(byField.storagePolicy).toMatch(/StorageGroupPolicy needs Bacula 13\.0.*9\.6\.7/);

    const v13 = await prisma.director.create({ data: { name: "dir-13", address: "d13.example.net", passwordEnc: encryptSecret("x"), version: "13.0.4" } });
    const c = await prisma.storage.create({ data: { name: "C", directorId: v13.id, storageDaemonId: sd.id, deviceId: dev.id, mediaType: dev.mediaType } });
    const freeSpace = await post("pools", { name: "P", directorId: v13.id, poolType: "Backup", storageIds: [c.id], storagePolicy: "FreeSpace" });
    expect(freeSpace.json.fields[0].message).toMatch(/FreeSpace needs Bacula 15\.0/);

    const foreign = await post("pools", { name: "Foreign", directorId: dirId, poolType: "Backup", storageIds: [a.id] });
    expect(foreign.json.fields[0]).toMatchObject({ field: "storageIds", rule: "same-director" });
  });

  it("refuses a device of another SD and a media type that does not match the device", async () => {
    const [sdA, sdB] = await prisma.storageDaemon.findMany({ orderBy: { name: "asc" } });
    const devB = await prisma.device.findFirstOrThrow({ where: { storageDaemonId: sdB.id } });
    const wrongSd = await post("storages", { name: "Mixed", directorId: dirId, storageDaemonId: sdA.id, deviceName: devB.name, mediaType: devB.mediaType });
    expect(wrongSd.json.fields[0]).toMatchObject({ field: "deviceName", rule: "exists", label: "Device" });
    const wrongMedia = await post("storages", { name: "Mixed", directorId: dirId, storageDaemonId: sdB.id, deviceName: devB.name, mediaType: "Other" });
    expect(wrongMedia.json.fields[0]).toMatchObject({ field: "mediaType", rule: "match-device" });
  });

  it("ten saves of the same version at the same moment: one is kept, nine are refused as stale (on PostgreSQL too)", async () => {
    const sd = await post("storage-daemons", { name: "sd-race", address: "sd-race.example.net", password: "race-sd-password", version: "15.0.3" });
    const params = { kind: "storage-daemons", id: String(sd.json.id) };
    const version = (await call(item.GET as unknown as H, `/api/storage-daemons/${sd.json.id}`, { cookie: op, params })).json.updatedAt as string;
    const saves = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        call(update, `/api/storage-daemons/${sd.json.id}`, { method: "PUT", cookie: op, params, body: { name: "sd-race", address: "sd-race.example.net", version: "15.0.3", port: 9500 + i, updatedAt: version } }),
      ),
    );
    expect(saves.map((r) => r.status).sort()).toEqual([200, ...Array(9).fill(409)]);
    const kept = saves.find((r) => r.status === 200)!;
    expect((await prisma.storageDaemon.findUniqueOrThrow({ where: { id: sd.json.id } })).port).toBe(kept.json.port);
    expect(await prisma.auditEvent.count({ where: { entityType: "storage-daemons", entityName: "sd-race", action: "update" } })).toBe(1);
  });

  it("refuses a save over a newer one (409, rule stale): the newer values stay, the message says what happened", async () => {
    const sd = await post("storage-daemons", { name: "sd-stale", address: "sd-stale.example.net", password: "stale-sd-password", version: "15.0.3" });
    expect(sd.status).toBe(201);
    const params = { kind: "storage-daemons", id: String(sd.json.id) };
    const put = (body: Record<string, unknown>) => call(update, `/api/storage-daemons/${sd.json.id}`, { method: "PUT", body, cookie: op, params });
    // Two tabs read the same version.
    const read = await call(item.GET as unknown as H, `/api/storage-daemons/${sd.json.id}`, { cookie: op, params });
    const version = read.json.updatedAt as string;
    const base = { name: "sd-stale", address: "sd-stale.example.net", version: "15.0.3" };
    // The first tab saves port 9203.
    const first = await put({ ...base, port: 9203, updatedAt: version });
    expect(first.status, JSON.stringify(first.json)).toBe(200);
    expect(first.json.port).toBe(9203);
    expect(first.json.updatedAt).not.toBe(version);
    // The second tab still holds the version it read: its save is refused, nothing overwritten.
    const second = await put({ ...base, port: 9303, workingDirectory: "/srv/other", updatedAt: version });
    expect(second.status).toBe(409);
    expect(second.json.fields).toEqual([expect.objectContaining({ field: "updatedAt", rule: "stale" })]);
    expect(second.json.error).toContain('Storage Daemon "sd-stale" was changed by someone else since you opened it');
    expect(second.json.error).toContain("your changes were not saved");
    expect(second.json.current).toMatchObject({ port: 9203, updatedAt: first.json.updatedAt });
    const row = await prisma.storageDaemon.findUniqueOrThrow({ where: { id: sd.json.id } });
    expect(row.port).toBe(9203);
    expect(row.workingDirectory).not.toBe("/srv/other");
    expect(await prisma.auditEvent.count({ where: { entityType: "storage-daemons", entityName: "sd-stale", action: "update" } })).toBe(1);
    // A garbage version is no version: refused too.
    expect((await put({ ...base, port: 9403, updatedAt: "yesterday" })).status).toBe(409);
    // Reading the newer version and saving over it works.
    const again = await put({ ...base, port: 9303, updatedAt: first.json.updatedAt });
    expect(again.status).toBe(200);
    expect((await prisma.storageDaemon.findUniqueOrThrow({ where: { id: sd.json.id } })).port).toBe(9303);
  });

  it("refuses a Next Pool cycle and names the chain", async () => {
    const nightly = await prisma.pool.findFirstOrThrow({ where: { name: "Nightly", directorId: dirId } });
    const offsite = await prisma.pool.findFirstOrThrow({ where: { name: "Offsite", directorId: dirId } });
    const body = { name: "Offsite", directorId: dirId, poolType: "Backup", nextPoolId: nightly.id };
    const res = await call(update, `/api/pools/${offsite.id}`, { method: "PUT", body, cookie: op, params: { kind: "pools", id: String(offsite.id) } });
    expect(res.status).toBe(400);
    expect(res.json.fields[0]).toMatchObject({ field: "nextPoolId", rule: "cycle" });
    expect(res.json.fields[0].message).toContain("Offsite → Nightly → Offsite");
    expect((await prisma.pool.findUniqueOrThrow({ where: { id: offsite.id } })).nextPoolId).toBeNull();
    // A cycle that is already there (an import of a config Bacula runs) does not stop other edits of
    // its pools: the save goes through (the cycle, there before, is no new warning of this save).
    await prisma.pool.update({ where: { id: offsite.id }, data: { nextPoolId: nightly.id } });
    try {
      const edit = { name: "Offsite", directorId: dirId, poolType: "Backup", nextPoolId: nightly.id, labelFormat: "Offsite-" };
      const ok = await call(update, `/api/pools/${offsite.id}`, { method: "PUT", body: edit, cookie: op, params: { kind: "pools", id: String(offsite.id) } });
      expect(ok.status, JSON.stringify(ok.json)).toBe(200);
      expect((await prisma.pool.findUniqueOrThrow({ where: { id: offsite.id } })).labelFormat).toBe("Offsite-");
      // A Pool whose Next Pool is itself (Bacula takes it), sent back as it is: saved; made so by an edit: refused.
      await prisma.pool.update({ where: { id: offsite.id }, data: { nextPoolId: offsite.id } });
      const self = await call(update, `/api/pools/${offsite.id}`, { method: "PUT", body: { ...edit, nextPoolId: offsite.id, labelFormat: "Self-" }, cookie: op, params: { kind: "pools", id: String(offsite.id) } });
      expect(self.status, JSON.stringify(self.json)).toBe(200);
      await prisma.pool.update({ where: { id: offsite.id }, data: { nextPoolId: null } });
      const made = await call(update, `/api/pools/${offsite.id}`, { method: "PUT", body: { ...edit, nextPoolId: offsite.id }, cookie: op, params: { kind: "pools", id: String(offsite.id) } });
      expect(made.status).toBe(400);
      expect(made.json.fields[0]).toMatchObject({ field: "nextPoolId", rule: "not-self" });
    } finally {
      await prisma.pool.update({ where: { id: offsite.id }, data: { nextPoolId: null, labelFormat: null } });
    }
  });

  it("refuses to delete what is referenced, listing the references, and deletes what is not", async () => {
    const f4 = await prisma.storage.findFirstOrThrow({ where: { name: "File4", directorId: dirId } });
    const res = await call(remove, `/api/storages/${f4.id}`, { method: "DELETE", cookie: op, params: { kind: "storages", id: String(f4.id) } });
    expect(res.status).toBe(409);
    expect(res.json.references.map((r: { kind: string; name: string }) => `${r.kind}:${r.name}`).sort()).toEqual(["Pool:Grouped", "Pool:Nightly"]);
    expect(await prisma.storage.count({ where: { id: f4.id } })).toBe(1);

    const sched = await post("schedules", { name: "Spare", directorId: dirId, runs: ["daily at 01:00"] });
    expect(sched.status).toBe(201);
    const del = await call(remove, `/api/schedules/${sched.json.id}`, { method: "DELETE", cookie: op, params: { kind: "schedules", id: String(sched.json.id) } });
    expect(del.status).toBe(204);
    const events = await prisma.auditEvent.findMany({ where: { entityType: "schedules", entityName: "Spare" }, orderBy: { id: "asc" } });
    expect(events.map((e) => [e.actor, e.action])).toEqual([["oper", "create"], ["oper", "delete"]]);
  });

  it("stores secrets encrypted, never returns them, keeps them on a blank edit and keeps them out of the audit log", async () => {
    const res = await post("storage-daemons", { name: "sd-secret", address: "sd.example.net", password: "s3cret-sd-password", version: "15.0.3" });
    expect(res.status).toBe(201);
    expect(JSON.stringify(res.json)).not.toContain("s3cret-sd-password");
    expect(res.json.passwordSet).toBe(true);
    const row = await prisma.storageDaemon.findUniqueOrThrow({ where: { id: res.json.id } });
    expect(row.passwordEnc).toMatch(/^v1:/);
    expect(row.passwordEnc).not.toContain("s3cret");
    const { decryptSecret } = await import("@/lib/secrets");
    expect(decryptSecret(row.passwordEnc)).toBe("s3cret-sd-password");

    const edit = await call(update, `/api/storage-daemons/${row.id}`, { method: "PUT", cookie: op, params: { kind: "storage-daemons", id: String(row.id) }, body: { name: "sd-secret", address: "sd2.example.net", password: "", version: "15.0.3", site: "" } });
    expect(edit.status).toBe(200);
    const after = await prisma.storageDaemon.findUniqueOrThrow({ where: { id: row.id } });
    expect(after.passwordEnc).toBe(row.passwordEnc);
    expect(after.address).toBe("sd2.example.net");

    const audit = await prisma.auditEvent.findMany({ where: { entityName: "sd-secret" } });
    expect(audit).toHaveLength(2);
    expect(JSON.stringify(audit)).not.toContain("s3cret");
    expect(JSON.stringify(audit)).not.toContain(row.passwordEnc);
  });

  it("offers options within one Director", async () => {
    const res = await call(options.GET as unknown as H, "/api/storages/options", { cookie: viewer, params: { kind: "storages" }, query: { directorId: String(dirId) } });
    expect(res.status).toBe(200);
    expect(res.json.items.every((o: { directorId: number }) => o.directorId === dirId)).toBe(true);
    expect(res.json.items.map((o: { name: string }) => o.name)).toContain("OffsiteFile");
  });

  it("refuses a malformed options filter with 400 naming the field (not a 500)", async () => {
    for (const [key, value] of [["directorId", "abc"], ["storageDaemonId", "-1"], ["clusterId", "1.5"]]) {
      const res = await call(options.GET as unknown as H, "/api/storages/options", { cookie: viewer, params: { kind: "storages" }, query: { [key]: value } });
      expect(res.status, `${key}=${value}`).toBe(400);
      expect(res.json.fields[0]).toMatchObject({ field: key });
    }
    const foreign = await call(options.GET as unknown as H, "/api/hosts/options", { cookie: viewer, params: { kind: "hosts" }, query: { directorId: String(dirId) } });
    expect(foreign.status).toBe(400);
    expect(foreign.json.fields[0]).toMatchObject({ field: "directorId", rule: "filter" });
  });

  it("requires a primary for a standby Director and only a primary", async () => {
    const res = await post("directors", { name: "dir-x", address: "x.example.net", password: "p4ssword", version: "15.0.3", role: "standby" });
    expect(res.json.fields[0]).toMatchObject({ field: "primaryId" });
    const standby = await prisma.director.findFirstOrThrow({ where: { role: "standby" } });
    const admin = await makeUser("adm-standby", "admin");
    const wrong = await post("directors", { name: "dir-x", address: "x.example.net", password: "p4ssword", version: "15.0.3", role: "standby", primaryId: standby.id }, admin);
    expect(wrong.json.fields[0]).toMatchObject({ field: "primaryId", rule: "role" });
  });
  it("lets only an admin swap primary and standby by hand", async () => {
    const standby = await prisma.director.findFirstOrThrow({ where: { role: "standby" } });
    const body = { name: standby.name, address: standby.address, version: standby.version, role: "independent", site: standby.site };
    const params = { kind: "directors", id: String(standby.id) };
    const denied = await call(update, `/api/directors/${standby.id}`, { method: "PUT", body, cookie: op, params });
    expect(denied.status).toBe(403);
    expect(denied.json.error).toMatch(/needs an admin/);
    expect(denied.json.fields[0]).toMatchObject({ field: "role", rule: "admin-only" });
    expect((await prisma.director.findUniqueOrThrow({ where: { id: standby.id } })).role).toBe("standby");
    const admin = await makeUser("adm", "admin");
    const allowed = await call(update, `/api/directors/${standby.id}`, { method: "PUT", body, cookie: admin, params });
    expect(allowed.status).toBe(200);
    expect(allowed.json.role).toBe("independent");
    const member = await prisma.catalogMember.findFirstOrThrow({ where: { role: "standby" } });
    const m = await call(update, `/api/catalog-members/${member.id}`, {
      method: "PUT", cookie: op, params: { kind: "catalog-members", id: String(member.id) },
      body: { name: member.name, clusterId: member.clusterId, role: "primary", address: member.address },
    });
    expect(m.status).toBe(403);
  });


  it("the server's fast path answers GET /api/{kind} as the route handler does (auth, search, errors), and leaves the rest to Next", async () => {
    const server = http.createServer((req, res) => {
      if (!listFastRoute(req, res)) res.writeHead(404, { "x-not-taken": "1" }).end();
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const raw = (path: string, headers: Record<string, string> = {}, method = "GET") =>
      new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }>((resolve, reject) => {
        const r = http.request(`${base}${path}`, { method, headers }, (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
        });
        r.on("error", reject);
        r.end();
      });
    try {
      const cases: Array<{ path: string; kind: string; query: Record<string, string>; cookie?: string }> = [
        { path: "/api/storages?q=File&sort=name&dir=desc&pageSize=2", kind: "storages", query: { q: "File", sort: "name", dir: "desc", pageSize: "2" }, cookie: viewer },
        { path: "/api/jobs", kind: "jobs", query: {}, cookie: viewer },
        { path: "/api/pools?sort=bogus", kind: "pools", query: { sort: "bogus" }, cookie: viewer },
        { path: "/api/jobs?page=0", kind: "jobs", query: { page: "0" }, cookie: viewer },
        { path: "/api/jobs", kind: "jobs", query: {} },
      ];
      for (const c of cases) {
        const fast = await raw(c.path, { ...(c.cookie ? { cookie: c.cookie } : {}), "accept-encoding": "gzip" });
        const route = await call(list, `/api/${c.kind}`, { cookie: c.cookie, params: { kind: c.kind }, query: c.query });
        expect(fast.status, c.path).toBe(route.status);
        const body = fast.headers["content-encoding"] === "gzip" ? gunzipSync(fast.body) : fast.body;
        expect(JSON.parse(body.toString("utf8")), c.path).toEqual(route.json);
        expect(fast.headers["content-type"]).toBe("application/json");
        expect(fast.headers.vary).toMatch(/Accept-Encoding/);
      }
      // A big answer is gzipped only when the client takes it.
      const plain = await raw("/api/jobs", { cookie: viewer });
      expect(plain.headers["content-encoding"]).toBeUndefined();
      expect(Number(plain.headers["content-length"])).toBe(plain.body.length);
      // Not a list: another route, an item, a kind that does not exist, a HEAD.
      for (const [path, method] of [["/api/summary", "GET"], ["/api/jobs/1", "GET"], ["/api/nokind", "GET"], ["/api/jobs/options", "GET"], ["/api/jobs", "HEAD"], ["/api/jobs", "POST"]] as const)
        expect((await raw(path, { cookie: viewer }, method)).headers["x-not-taken"], `${method} ${path}`).toBe("1");
    } finally {
      await new Promise((r) => server.close(r));
    }
  });
});
