import { beforeAll, describe, expect, it } from "vitest";
import { freshDatabase } from "../support/db";
import { call } from "../support/api";

freshDatabase();

const { prisma } = await import("@/lib/db/client");
const { seedDemo } = await import("@/lib/demo/seed");
const { loadDirectorConfig } = await import("@/lib/config/from-db");
const { decryptSecret } = await import("@/lib/secrets");
const directorRoute = (await import("@/app/api/config/directors/[id]/route")).GET as never;
const sdRoute = (await import("@/app/api/config/storage-daemons/[id]/route")).GET as never;
const previewRoute = (await import("@/app/api/config/preview/route")).POST as never;
const chainRoute = (await import("@/app/api/builder/chain/route")).POST as never;
const adminRoute = (await import("@/app/api/config/admin-replication/route")).POST as never;
const { makeUser } = await import("./fixtures");

let op = "";
let viewer = "";
let dirId = 0;
let oldDirId = 0;

/** Everything a preview could have written: revision, audit, records and storage group rows. */
async function snapshot() {
  const [revision, audit, pools, jobs, members, poolRows, jobRows] = await Promise.all([
    prisma.setting.findUnique({ where: { key: "modelRevision" } }),
    prisma.auditEvent.count(),
    prisma.pool.count(),
    prisma.job.count(),
    prisma.storageGroupMember.findMany({ orderBy: { id: "asc" } }),
    prisma.pool.findMany({ orderBy: { id: "asc" } }),
    prisma.job.findMany({ orderBy: { id: "asc" } }),
  ]);
  return JSON.stringify({ revision, audit, pools, jobs, members, poolRows, jobRows });
}

beforeAll(async () => {
  await seedDemo(prisma);
  op = await makeUser("oper", "operator");
  viewer = await makeUser("view", "viewer");
  dirId = (await prisma.director.findUniqueOrThrow({ where: { name: "bacula-dir" } })).id;
  // A 13.0 Director with a two-storage pool, for the version rules.
  const sd = await prisma.storageDaemon.findUniqueOrThrow({ where: { name: "sd-site-a" } });
  const devices = await prisma.device.findMany({ where: { storageDaemonId: sd.id }, orderBy: { name: "asc" } });
  const old = await prisma.director.create({ data: { name: "old-dir", address: "old.example.net", passwordEnc: "", version: "13.0.4" } });
  oldDirId = old.id;
  const s1 = await prisma.storage.create({ data: { name: "OldA", directorId: old.id, storageDaemonId: sd.id, deviceId: devices[0].id, mediaType: devices[0].mediaType } });
  const s2 = await prisma.storage.create({ data: { name: "OldB", directorId: old.id, storageDaemonId: sd.id, deviceId: devices[1].id, mediaType: devices[1].mediaType } });
  const pool = await prisma.pool.create({ data: { name: "OldPool", directorId: old.id, poolType: "Backup" } });
  await prisma.storageGroupMember.createMany({ data: [s1, s2].map((s, position) => ({ poolId: pool.id, storageId: s.id, position })) });
});

const preview = (body: unknown, cookie = viewer) => call(previewRoute, "/api/config/preview", { method: "POST", body, cookie });

describe("config previews", () => {
  it("renders a Director's current model with its revision and problems, for a viewer", async () => {
    const res = await call(directorRoute, `/api/config/directors/${dirId}`, { cookie: viewer, params: { id: String(dirId) } });
    expect(res.status).toBe(200);
    expect(res.json.text).toContain('Name = "Nightly"');
    expect(res.json.text).toContain('Storage = "File4", "File5", "File6"');
    expect(res.json.text).toMatch(/# Model revision: \d+/);
    expect(typeof res.json.revision).toBe("number");
    expect(res.json.problems.filter((p: { severity: string }) => p.severity === "error")).toEqual([]);
    // Daemon passwords never reach the browser: masked, and the stored values are nowhere in the answer.
    expect(res.json.text).toContain('Password = "••••••••"');
    const body = JSON.stringify(res.json);
    for (const row of [await prisma.director.findUniqueOrThrow({ where: { id: dirId } }), ...(await prisma.storageDaemon.findMany()), ...(await prisma.client.findMany())]) {
      expect(body).not.toContain(decryptSecret(row.passwordEnc));
    }
    const anon = await call(directorRoute, `/api/config/directors/${dirId}`, { params: { id: String(dirId) } });
    expect(anon.status).toBe(401);
    const missing = await call(directorRoute, "/api/config/directors/9999", { cookie: viewer, params: { id: "9999" } });
    expect(missing.status).toBe(404);
  });

  it("renders a Storage Daemon's model", async () => {
    const sd = await prisma.storageDaemon.findUniqueOrThrow({ where: { name: "sd-site-a" } });
    const res = await call(sdRoute, `/api/config/storage-daemons/${sd.id}`, { cookie: viewer, params: { id: String(sd.id) } });
    expect(res.status).toBe(200);
    expect(res.json.text).toContain('Name = "FileDev4"');
    expect(res.json.text).toContain('Name = "bacula-dir"');
    expect(res.json.text).toContain('Password = "••••••••"');
    expect(JSON.stringify(res.json)).not.toContain(decryptSecret(sd.passwordEnc));
  });

  it("previews a storage group draft: ordered Storage line, LeastUsed, the explanation, and writes nothing", async () => {
    const before = await snapshot();
    const res = await preview({ directorId: dirId, pools: [{ name: "Nightly", storage: ["File6", "File4"], storageGroupPolicy: "LeastUsed" }] });
    expect(res.status).toBe(200);
    expect(res.json.ok).toBe(true);
    const pool = res.json.resources.find((r: { kind: string; name: string }) => r.kind === "Pool" && r.name === "Nightly");
    expect(pool.text).toContain('Storage = "File6", "File4"\n');
    expect(pool.text).toContain("StorageGroupPolicy = LeastUsed\n");
    expect(res.json.explanation.storages).toEqual(["File6", "File4"]);
    expect(res.json.explanation.policy).toBe("LeastUsed");
    expect(res.json.explanation.text).toContain("fewest jobs");
    expect(await snapshot()).toBe(before);
  });

  it("flags a 15.0 policy on a 13.0 Director on the policy field, and a threshold without FreeSpace", async () => {
    const before = await snapshot();
    const res = await preview({ directorId: oldDirId, pools: [{ name: "OldPool", storageGroupPolicy: "FreeSpace", storageGroupPolicyThreshold: "100G" }] });
    expect(res.status).toBe(200);
    expect(res.json.ok).toBe(false);
    expect(res.json.director.version).toBe("13.0.4");
    const errors = res.json.problems.filter((p: { severity: string }) => p.severity === "error");
    expect(errors).toContainEqual(expect.objectContaining({ resource: "Pool", name: "OldPool", field: "storageGroupPolicy", formField: "storagePolicy", rule: "version" }));
    expect(errors).toContainEqual(expect.objectContaining({ field: "storageGroupPolicyThreshold", formField: "storagePolicyThreshold", rule: "version" }));
    // The save (inventory service) refuses the same, naming the form field.
    const save = await call((await import("@/app/api/[kind]/[id]/route")).PUT as never, "/api/pools/x", {
      method: "PUT", cookie: op, params: { kind: "pools", id: String((await prisma.pool.findFirstOrThrow({ where: { name: "OldPool" } })).id) },
      body: { name: "OldPool", directorId: oldDirId, poolType: "Backup", storageIds: (await prisma.storage.findMany({ where: { directorId: oldDirId }, orderBy: { name: "asc" } })).map((s) => s.id), storagePolicy: "FreeSpace" },
    });
    expect(save.status).toBe(400);
    expect(save.json.fields[0]).toMatchObject({ field: "storagePolicy", rule: "version" });
    // A canonical 13.0 policy is fine.
    const ok = await preview({ directorId: oldDirId, pools: [{ name: "OldPool", storageGroupPolicy: "LeastUsed" }] });
    expect(ok.json.ok).toBe(true);
    expect(await snapshot()).toBe(before);
  });

  it("refuses malformed drafts with 400 naming the field, and unknown resources", async () => {
    const inj = await preview({ directorId: dirId, pools: [{ name: "Nightly", storage: ["File4\nStorage = Evil"] }] });
    expect(inj.status).toBe(400);
    expect(inj.json.fields[0].field).toBe("pools.0.storage.0");
    // Named by the builder's label, never by the path.
    expect(inj.json.fields[0].label).toBe("Storages");
    expect(inj.json.error).not.toContain("pools.0");
    const unknown = await preview({ directorId: dirId, pools: [{ name: "NoSuchPool", storageGroupPolicy: "LeastUsed" }] });
    expect(unknown.status).toBe(400);
    expect(unknown.json.fields[0]).toMatchObject({ field: "pools.0.name" });
    const anon = await call(previewRoute, "/api/config/preview", { method: "POST", body: { directorId: dirId } });
    expect(anon.status).toBe(401);
  });

  it("flags PoolUncopiedJobs on the second hop of a chain with the validator's rule, and draws the graph", async () => {
    const before = await snapshot();
    const chain = {
      start: { job: "NightlyBackup" },
      hops: [
        { type: "copy", target: { pool: "Offsite" }, job: { name: "CopyHop1", selectionType: "PoolUncopiedJobs", trigger: "after" } },
        { type: "copy", target: { pool: "Vault", create: true, storage: ["File5"] }, job: { name: "CopyHop2", selectionType: "PoolUncopiedJobs", trigger: "after" } },
      ],
    };
    const res = await preview({ directorId: dirId, chain });
    expect(res.status).toBe(200);
    const uncopied = res.json.problems.filter((p: { rule: string }) => p.rule === "uncopied-second-hop");
    expect(uncopied.map((p: { name: string }) => p.name)).toEqual(["CopyHop2"]);
    expect(uncopied[0]).toMatchObject({ resource: "Job", field: "selectionType", formField: "selectionType" });
    const job2 = res.json.resources.find((r: { name: string }) => r.name === "CopyHop2");
    expect(job2.text).toContain('Pool = "Offsite"');
    expect(job2.text).toContain("Priority = 12");
    const offsite = res.json.resources.find((r: { name: string }) => r.name === "Offsite");
    expect(offsite.text).toContain('NextPool = "Vault"');
    const ids = res.json.graph.nodes.map((n: { id: string }) => n.id);
    expect(ids).toEqual(expect.arrayContaining(["job:NightlyBackup", "pool:Nightly", "pool:Offsite", "pool:Vault", "job:CopyHop2", "storage:File5", "sd:sd-site-a", "sd:sd-site-b"]));
    const edges = res.json.graph.edges.map((e: { kind: string; source: string; target: string }) => `${e.kind} ${e.source} ${e.target}`);
    expect(edges).toEqual(expect.arrayContaining(["writes-to job:NightlyBackup pool:Nightly", "next-pool pool:Offsite pool:Vault", "copy job:CopyHop2 pool:Vault", "on-sd storage:File5 sd:sd-site-a"]));
    expect(res.json.graph.nodes.find((n: { id: string }) => n.id === "pool:Vault").draft).toBe(true);
    // With Job selection on the second hop the rule is gone.
    chain.hops[1].job = { name: "CopyHop2", selectionType: "Job", selectionPattern: "^NightlyBackup$", trigger: "after" } as never;
    const fixed = await preview({ directorId: dirId, chain });
    expect(fixed.json.problems.filter((p: { rule: string }) => p.rule === "uncopied-second-hop")).toEqual([]);
    expect(await snapshot()).toBe(before);
  });

  it("previews a clone hop as a Run = line passing level and since", async () => {
    const res = await preview({
      directorId: dirId,
      chain: { start: { job: "NightlyBackup" }, hops: [{ type: "clone", target: { pool: "Offsite" }, job: { name: "NightlyClone" } }] },
    });
    expect(res.status).toBe(200);
    const backup = res.json.resources.find((r: { name: string }) => r.name === "NightlyBackup");
    expect(backup.text).toContain('Run = "NightlyClone level=%l since=\\"%s\\""');
    const edges = res.json.graph.edges.map((e: { kind: string; source: string; target: string }) => `${e.kind} ${e.source} ${e.target}`);
    expect(edges).toContain("clone job:NightlyBackup job:NightlyClone");
    expect(edges).toContain("writes-to job:NightlyClone pool:Offsite");
  });
});

describe("chain apply", () => {
  const chain = {
    start: { job: "NightlyBackup" },
    hops: [
      { type: "copy", target: { pool: "Offsite" }, job: { name: "AppliedCopy", selectionType: "PoolUncopiedJobs", trigger: "after" } },
      { type: "copy", target: { pool: "Vault2", create: true, storage: ["File6"] }, job: { name: "AppliedCopy2", selectionType: "PoolTime", trigger: "schedule", schedule: "CopyCycle" } },
      { type: "clone", target: { pool: "Vault2" }, job: { name: "AppliedClone" } },
    ],
  };

  it("is refused to a viewer, and a malformed plan is refused naming the hop's field", async () => {
    const denied = await call(chainRoute, "/api/builder/chain", { method: "POST", cookie: viewer, body: { directorId: dirId, chain } });
    expect(denied.status).toBe(403);
    const before = await snapshot();
    const bad = structuredClone(chain);
    (bad.hops[2].job as { name: string }).name = "Clone\u0007Bad";
    const refused = await call(chainRoute, "/api/builder/chain", { method: "POST", cookie: op, body: { directorId: dirId, chain: bad } });
    expect(refused.status).toBe(400);
    expect(refused.json.fields[0].field).toBe("chain.hops.2.job.name");
    expect(refused.json.fields[0].label).toBe("Hop 3 job name");
    expect(refused.json.error).toMatch(/^Hop 3 job name: /);
    expect(refused.json.error).not.toContain("chain.");
    const clash = structuredClone(chain);
    (clash.hops[0].job as { name: string }).name = "CopyToOffsite";
    const dup = await call(chainRoute, "/api/builder/chain", { method: "POST", cookie: op, body: { directorId: dirId, chain: clash } });
    expect(dup.status).toBe(400);
    expect(dup.json.fields[0]).toMatchObject({ field: "chain.hops.0.job.name", label: "Hop 1 job name", message: expect.stringContaining("already exists") });
    expect(dup.json.error).toBe(`Hop 1 job name: ${dup.json.fields[0].message}`);
    expect(await snapshot()).toBe(before);
  });

  it("rolls back the records already written when a later step is refused by the inventory service", async () => {
    const before = await snapshot();
    const mid = structuredClone(chain);
    // Vault2, Offsite's Next Pool and AppliedCopy are written before AppliedCopy2 names a Schedule that does not exist.
    mid.hops[1].job = { name: "AppliedCopy2", selectionType: "PoolTime", trigger: "schedule", schedule: "NoSuchSchedule" } as never;
    const res = await call(chainRoute, "/api/builder/chain", { method: "POST", cookie: op, body: { directorId: dirId, chain: mid } });
    expect(res.status).toBe(400);
    expect(res.json.fields[0].field).toBe("chain.hops.1.job.scheduleId");
    expect(res.json.fields[0].label).toBe("Hop 2 schedule");
    expect(res.json.error).toContain('Job "AppliedCopy2": Hop 2 schedule: ');
    expect(res.json.error).not.toContain("scheduleId");
    expect(await snapshot()).toBe(before);
  });

  it("creates the pools and jobs in one go, with audit events, and the model holds the chain", async () => {
    const auditBefore = await prisma.auditEvent.count();
    const res = await call(chainRoute, "/api/builder/chain", { method: "POST", cookie: op, body: { directorId: dirId, chain } });
    expect(res.status).toBe(201);
    expect(res.json.created.map((c: { name: string }) => c.name)).toEqual(["Vault2", "AppliedCopy", "AppliedCopy2", "AppliedClone"]);
    expect(res.json.updated.map((c: { name: string }) => c.name)).toEqual(["Offsite", "NightlyBackup"]);
    expect(await prisma.auditEvent.count()).toBe(auditBefore + 6);
    const cfg = await loadDirectorConfig(prisma, dirId);
    expect(cfg.pools.find((p) => p.name === "Offsite")?.nextPool).toBe("Vault2");
    expect(cfg.pools.find((p) => p.name === "Vault2")?.storage).toEqual(["File6"]);
    expect(cfg.jobs.find((j) => j.name === "AppliedCopy")).toMatchObject({ type: "Copy", pool: "Nightly", selectionType: "PoolUncopiedJobs", schedule: "NightlyCycle", priority: 11 });
    expect(cfg.jobs.find((j) => j.name === "AppliedCopy2")).toMatchObject({ type: "Copy", pool: "Offsite", schedule: "CopyCycle" });
    expect(cfg.jobs.find((j) => j.name === "NightlyBackup")?.run).toEqual(['AppliedClone level=%l since="%s"']);
    expect(cfg.jobs.find((j) => j.name === "AppliedClone")).toMatchObject({ type: "Backup", pool: "Vault2" });
  });
});

describe("standby replication Admin Job preview", () => {
  it("renders the Admin Job and the script for the standby, and names a bad field", async () => {
    const standby = await prisma.director.findUniqueOrThrow({ where: { name: "bacula-dir-standby" } });
    const before = await snapshot();
    const res = await call(adminRoute, "/api/config/admin-replication", { method: "POST", cookie: viewer, body: { standbyId: standby.id, standbyHost: "10.0.0.9", sshKeyPath: "/var/lib/bacula/.ssh/id_standby" } });
    expect(res.status).toBe(200);
    expect(res.json.jobText).toContain("Type = Admin");
    expect(res.json.jobText).toContain('Command = "/etc/bacula/scripts/replicate-config-bacula-dir-standby.sh"');
    expect(res.json.scriptText).toContain("DEST_HOST='10.0.0.9'");
    expect(res.json.scriptText).toContain("SSH_KEY='/var/lib/bacula/.ssh/id_standby'");
    expect(res.json.problems.filter((p: { severity: string }) => p.severity === "error")).toEqual([]);
    const bad = await call(adminRoute, "/api/config/admin-replication", { method: "POST", cookie: viewer, body: { standbyId: standby.id, knownHostsPath: "~/.ssh/known_hosts" } });
    expect(bad.status).toBe(400);
    expect(bad.json.fields[0]).toMatchObject({ field: "knownHostsPath", label: "known_hosts path" });
    expect(bad.json.error).toMatch(/^known_hosts path: /);
    const notStandby = await call(adminRoute, "/api/config/admin-replication", { method: "POST", cookie: viewer, body: { standbyId: dirId } });
    expect(notStandby.status).toBe(400);
    expect(await snapshot()).toBe(before);
  });
});
