import { beforeAll, describe, expect, it } from "vitest";
import { freshDatabase } from "@/test/support/db";
import { makeBaculaTempDir, runBdirjson, runBsdjson } from "@/lib/bacula/testing/bacula-bin";

freshDatabase();
const { prisma } = await import("@/lib/db/client");
const { seedDemo } = await import("@/lib/demo/seed");
const { loadDirectorConfig, loadStorageDaemonConfig, modelRevision } = await import("./from-db");
const { renderDirector, renderStorageDaemon, validateDirector, validateStorageDaemon } = await import("@/lib/bacula");
const { sealItems, openItems } = await import("./items");
const { resourceDefOf } = await import("@/lib/bacula/typed");

beforeAll(async () => {
  await seedDemo(prisma);
});

describe("demo topology from the database to Bacula", () => {
  it("renders the primary Director so that bdirjson accepts it with the storage group intact", async () => {
    const primary = await prisma.director.findUniqueOrThrow({ where: { name: "bacula-dir" } });
    const { work, run } = makeBaculaTempDir();
    await prisma.director.update({ where: { id: primary.id }, data: { workingDirectory: work, pidDirectory: run } });
    const cfg = await loadDirectorConfig(prisma, primary.id);
    expect(cfg.pools.find((p) => p.name === "Nightly")).toMatchObject({ storage: ["File4", "File5", "File6"], storageGroupPolicy: "LeastUsed", nextPool: "Offsite" });
    const errors = validateDirector(cfg).filter((p) => p.severity === "error");
    expect(errors).toEqual([]);
    const text = renderDirector(cfg, { revision: await modelRevision(prisma) });
    const checked = runBdirjson(text, { test: true });
    expect(checked.stdout).toBe("");
    expect(checked.code).toBe(0);
    const json = runBdirjson(text);
    const pools = (json.json as Record<string, unknown>[]).filter((r) => "Pool" in r).map((r) => r.Pool as Record<string, unknown>);
    const nightly = pools.find((p) => p.Name === "Nightly")!;
    expect(nightly.Storage).toEqual(["File4", "File5", "File6"]);
    expect(nightly.StorageGroupPolicy).toBe("LeastUsed");
  });

  it("gives a standby Director its primary's configuration", async () => {
    const standby = await prisma.director.findUniqueOrThrow({ where: { name: "bacula-dir-standby" } });
    const primary = await prisma.director.findUniqueOrThrow({ where: { name: "bacula-dir" } });
    const a = renderDirector(await loadDirectorConfig(prisma, standby.id), { revision: 1 });
    const b = renderDirector(await loadDirectorConfig(prisma, primary.id), { revision: 1 });
    expect(a).toBe(b);
    // What the standby runs once switched over: its own Director resource, the primary's resources.
    const own = await loadDirectorConfig(prisma, standby.id, { asPrimary: true });
    expect(own.director.name).toBe("bacula-dir-standby");
    expect(own.jobs.map((j) => j.name)).toEqual((await loadDirectorConfig(prisma, primary.id)).jobs.map((j) => j.name));
  });

  it("renders each Storage Daemon with a Director resource for the Directors that use it and their standbys", async () => {
    for (const sd of await prisma.storageDaemon.findMany()) {
      const { work, run } = makeBaculaTempDir();
      await prisma.storageDaemon.update({ where: { id: sd.id }, data: { workingDirectory: work, pidDirectory: run } });
      const cfg = await loadStorageDaemonConfig(prisma, sd.id);
      expect(cfg.directors.map((d) => d.name)).toEqual(["bacula-dir", "bacula-dir-standby"]);
      expect(validateStorageDaemon(cfg).filter((p) => p.severity === "error")).toEqual([]);
      const checked = runBsdjson(renderStorageDaemon(cfg, { revision: 1 }), { test: true });
      expect(checked.code, checked.stdout).toBe(0);
    }
  });

  it("writes no DirPort / SdPort beside a DirAddresses / SdAddresses block kept in the other directives (Bacula refuses both)", async () => {
    // The port columns are always filled (the dashboard reaches the daemon there); the block says where it listens.
    const primary = await prisma.director.findUniqueOrThrow({ where: { name: "bacula-dir" } });
    const block = { kind: "directive" as const, name: "DirAddresses", value: [{ family: "ipv4" as const, addr: "127.0.0.1", port: String(primary.port) }] };
    const dirExtra = [...openItems(primary.extra, resourceDefOf("Director")), block];
    await prisma.director.update({ where: { id: primary.id }, data: { extra: sealItems(dirExtra, resourceDefOf("Director")) as object[] } });
    const cfg = await loadDirectorConfig(prisma, primary.id);
    expect(cfg.director.port).toBeUndefined();
    const text = renderDirector(cfg, { revision: 1 });
    expect(text).not.toMatch(/^\s*DirPort\b/m);
    expect(text).toMatch(/^\s*DirAddresses = \{ ipv4 = \{ addr = 127\.0\.0\.1; port = \d+; \} \}$/m);
    const checked = runBdirjson(text, { test: true });
    expect(checked.code, checked.stdout).toBe(0);

    const sd = (await prisma.storageDaemon.findMany())[0]!;
    const sdBlock = { kind: "directive" as const, name: "SdAddresses", value: [{ family: "ip" as const, port: String(sd.port) }] };
    const sdExtra = [...openItems(sd.extra, resourceDefOf("SdStorage")), sdBlock];
    await prisma.storageDaemon.update({ where: { id: sd.id }, data: { extra: sealItems(sdExtra, resourceDefOf("SdStorage")) as object[] } });
    const sdCfg = await loadStorageDaemonConfig(prisma, sd.id);
    expect(sdCfg.storage.sdPort).toBeUndefined();
    const sdText = renderStorageDaemon(sdCfg, { revision: 1 });
    expect(sdText).not.toMatch(/^\s*SdPort\b/m);
    const sdChecked = runBsdjson(sdText, { test: true });
    expect(sdChecked.code, sdChecked.stdout).toBe(0);
  });

  it("resolves a reference to another Director's row as the foreign key says (read by its id)", async () => {
    const primary = await prisma.director.findUniqueOrThrow({ where: { name: "bacula-dir" } });
    const other = await prisma.director.create({ data: { name: "from-db-other-dir", address: "other.invalid", passwordEnc: primary.passwordEnc, version: primary.version, queryFile: primary.queryFile, workingDirectory: primary.workingDirectory, pidDirectory: primary.pidDirectory } });
    const foreign = await prisma.pool.create({ data: { name: "ForeignPool", directorId: other.id } });
    const job = await prisma.job.findFirstOrThrow({ where: { directorId: primary.id, type: "Backup" }, orderBy: { name: "asc" } });
    const before = job.nextPoolId;
    await prisma.job.update({ where: { id: job.id }, data: { nextPoolId: foreign.id } });
    try {
      const cfg = await loadDirectorConfig(prisma, primary.id);
      expect(cfg.jobs.find((j) => j.name === job.name)?.nextPool).toBe("ForeignPool");
      expect(cfg.pools.map((p) => p.name)).not.toContain("ForeignPool");
    } finally {
      await prisma.job.update({ where: { id: job.id }, data: { nextPoolId: before } });
      await prisma.pool.delete({ where: { id: foreign.id } });
      await prisma.director.delete({ where: { id: other.id } });
    }
  });
});
