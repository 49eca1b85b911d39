import { describe, expect, it } from "vitest";
import type { DirectorConfig } from "./model";
import { demoDirector, demoSd2 } from "./testing/fixtures";
import { commandNeedsShell, effectiveJob, validateDirector, validateStorageDaemon, type Problem } from "./validate";

const dirs = { work: "/var/lib/bacula", run: "/run/bacula" };

function demo(): DirectorConfig {
  return demoDirector(dirs);
}
function rules(cfg: DirectorConfig): string[] {
  return validateDirector(cfg).map((p) => p.rule);
}
function find(cfg: DirectorConfig, rule: string): Problem[] {
  return validateDirector(cfg).filter((p) => p.rule === rule);
}

describe("validateDirector", () => {
  it("the demo topology has no errors (only the clone re-start warning)", () => {
    expect(validateDirector(demo())).toEqual([expect.objectContaining({ rule: "copy-restarts-clone", severity: "warning", name: "Copy-to-SD2" })]);
  });

  it("missing required directives of each resource", () => {
    const cfg = demo();
    cfg.director.queryFile = undefined;
    cfg.director.password = "";
    cfg.storages[0].mediaType = undefined;
    cfg.catalogs[0].dbName = undefined;
    cfg.pools[1].poolType = undefined;
    cfg.clients[0].address = undefined;
    const got = find(cfg, "required").map((p) => `${p.resource}/${p.name}/${p.field}`);
    expect(got).toEqual(
      expect.arrayContaining([
        "Director/primary-dir/queryFile",
        "Director/primary-dir/password",
        "Storage/File4/mediaType",
        "Catalog/MyCatalog/dbName",
        "Pool/Copy/poolType",
        "Client/client1-fd/address",
      ]),
    );
  });

  it("Job requirements take JobDefs into account", () => {
    const cfg = demo();
    expect(find(cfg, "required")).toEqual([]);
    cfg.jobDefs[0].messages = undefined;
    const p = find(cfg, "required");
    expect(p.map((x) => `${x.name}/${x.field}`)).toEqual(["Nightly-client1/messages", "CloneJob/messages"]);
    expect(p[0].message).toMatch(/JobDefs "DefaultJob"/);
    expect(effectiveJob(cfg, cfg.jobs[0])).toMatchObject({ name: "Nightly-client1", pool: "Full", type: "Backup" });
  });

  it("a Job needs a Storage in the Job, its JobDefs or its Pool", () => {
    const cfg = demo();
    cfg.pools[0].storage = undefined;
    expect(find(cfg, "required").map((p) => p.name)).toEqual(["Nightly-client1", "Copy-to-SD2", "Replicate-Config"]);
    cfg.jobDefs[0].storage = ["File4"];
    expect(find(cfg, "required").map((p) => p.name)).toEqual(["Copy-to-SD2", "Replicate-Config"]);
  });

  it("at least one Messages and one Job", () => {
    const cfg = demo();
    cfg.jobs = [];
    cfg.messages = [];
    expect(find(cfg, "min-count").map((p) => p.field)).toEqual(["messages", "jobs"]);
  });

  it("dangling references and duplicate names", () => {
    const cfg = demo();
    cfg.pools[0].storage = ["File4", "NoSuchStorage"];
    cfg.jobs[0].schedule = "Weekly";
    cfg.clients[0].catalog = "Other";
    cfg.pools.push({ ...cfg.pools[1] });
    const dangling = find(cfg, "dangling-reference");
    expect(dangling.map((p) => `${p.resource}/${p.field}`)).toEqual(["Pool/storage", "Client/catalog", "Job/schedule"]);
    expect(dangling[0].message).toMatch(/NoSuchStorage/);
    expect(find(cfg, "duplicate-name")).toEqual([expect.objectContaining({ resource: "Pool", name: "Copy" })]);
  });

  it("Next Pool cycles", () => {
    const cfg = demo();
    cfg.pools[1].nextPool = "Full";
    const p = find(cfg, "next-pool-cycle");
    expect(p).toHaveLength(1);
    expect(p[0].message).toMatch(/Full -> Copy -> Full/);
  });

  it("a Copy job whose Next Pool has no storage, or that has no Next Pool", () => {
    const cfg = demo();
    cfg.pools[1].storage = undefined;
    expect(find(cfg, "copy-next-pool-storage")).toEqual([expect.objectContaining({ name: "Copy-to-SD2", field: "nextPool" })]);
    cfg.pools[0].nextPool = undefined;
    expect(find(cfg, "copy-next-pool")).toEqual([expect.objectContaining({ name: "Copy-to-SD2" })]);
    // The Job's NextPool overrides the Pool's.
    cfg.pools.push({ name: "Tape", poolType: "Backup", storage: ["CopyFile"] });
    cfg.jobs[2].nextPool = "Tape";
    expect(rules(cfg)).not.toContain("copy-next-pool");
    expect(rules(cfg)).not.toContain("copy-next-pool-storage");
  });

  it("storage group policies and thresholds the version lacks", () => {
    const cfg = demo();
    cfg.director.version = "9.6.7";
    const v96 = find(cfg, "version");
    expect(v96).toEqual([expect.objectContaining({ resource: "Pool", name: "Full", field: "storageGroupPolicy" })]);
    expect(v96[0].message).toMatch(/13\.0/);
    expect(v96[0].message).toMatch(/9\.6\.7 has no StorageGroupPolicy at all/);
    expect(find(cfg, "storage-group-version")[0].message).toMatch(/uses only the first \(File4\)/);

    cfg.director.version = "13.0.2";
    cfg.pools[0].storageGroupPolicy = "FreeSpace";
    cfg.pools[0].storageGroupPolicyThreshold = "10G";
    const v13 = find(cfg, "version").map((p) => p.message);
    expect(v13).toEqual([expect.stringMatching(/FreeSpace needs Bacula 15\.0/), expect.stringMatching(/StorageGroupPolicyThreshold needs Bacula 15\.0/)]);

    cfg.director.version = "15.0.3";
    expect(find(cfg, "version")).toEqual([]);
    cfg.pools[0].storageGroupPolicy = "LeastUsed";
    expect(find(cfg, "policy-threshold")).toHaveLength(1);
  });

  it("non-canonical policy spellings", () => {
    const cfg = demo();
    cfg.pools[0].storageGroupPolicy = "leastused";
    expect(find(cfg, "policy-spelling")[0].message).toMatch(/written LeastUsed.*case-sensitively.*ListedOrder/);
    cfg.pools[0].storageGroupPolicy = "LastBackupedTo";
    expect(find(cfg, "policy-spelling")[0].message).toMatch(/LastBackedUpTo/);
    cfg.pools[0].storageGroupPolicy = "Random";
    expect(find(cfg, "policy-spelling")[0].message).toMatch(/unknown/);
    expect(find(cfg, "value")).toEqual([]);
  });

  it("PoolUncopiedJobs on the second hop of a copy chain", () => {
    const cfg = demo();
    cfg.pools[1].nextPool = "Tape";
    cfg.pools.push({ name: "Tape", poolType: "Backup", storage: ["CopyFile"] });
    cfg.jobs.push({ name: "Copy-to-Tape", type: "Copy", client: "client1-fd", fileset: "Full Set", messages: "Standard", pool: "Copy", selectionType: "PoolUncopiedJobs" });
    const p = find(cfg, "uncopied-second-hop");
    expect(p).toEqual([expect.objectContaining({ name: "Copy-to-Tape", severity: "error" })]);
    expect(p[0].message).toMatch(/Copy-to-SD2/);
    cfg.jobs[cfg.jobs.length - 1].selectionType = "Job";
    cfg.jobs[cfg.jobs.length - 1].selectionPattern = "^Nightly";
    expect(find(cfg, "uncopied-second-hop")).toEqual([]);
    // The first hop alone is fine.
    expect(find(demo(), "uncopied-second-hop")).toEqual([]);
  });

  it("storage group members sharing a Media Type on different devices", () => {
    const cfg = demo();
    expect(find(cfg, "media-type-shared")).toEqual([]);
    cfg.storages[1].mediaType = "File4";
    const p = find(cfg, "media-type-shared");
    expect(p).toEqual([expect.objectContaining({ resource: "Pool", name: "Full", severity: "warning" })]);
    expect(p[0].message).toMatch(/File4, File5/);
  });

  it("Admin RunScript commands that need a shell", () => {
    const cfg = demo();
    for (const cmd of ["/a.sh && /b.sh", "/a | b", "a; b", "a > /tmp/x", "a < x", "echo $(id)", "echo `id`", "rsync $HOME x"]) {
      cfg.jobs[3].runScripts![0].command = cmd;
      expect(find(cfg, "runscript-shell"), cmd).toEqual([expect.objectContaining({ name: "Replicate-Config", severity: "error", field: "runScripts[0].command" })]);
    }
    cfg.jobs[3].runScripts![0].command = "/etc/bacula/scripts/replicate-config.sh --verbose";
    expect(find(cfg, "runscript-shell")).toEqual([]);
    expect(commandNeedsShell("/bin/x -a b")).toBeUndefined();
    expect(commandNeedsShell("a || b")).toBe("||");
  });

  it("values the renderer would refuse, and 'm' meaning months", () => {
    const cfg = demo();
    cfg.clients[0].password = "x\ny";
    cfg.clients[0].fileRetention = "90m";
    cfg.storages[0].sdPort = 0;
    expect(find(cfg, "value").map((p) => `${p.name}/${p.field}`)).toEqual(["File4/sdPort", "client1-fd/password"]);
    expect(find(cfg, "time-months")[0].message).toMatch(/months/);
  });

  it("an unparseable version", () => {
    const cfg = demo();
    cfg.director.version = "latest";
    expect(rules(cfg)).toContain("version-format");
  });
});

describe("validateStorageDaemon", () => {
  it("the demo SD is clean; missing and dangling devices are reported", () => {
    const sd = demoSd2(dirs);
    expect(validateStorageDaemon(sd)).toEqual([]);
    sd.autochangers[0].devices = ["CopyDev1", "Nope"];
    sd.devices[0].archiveDevice = undefined;
    expect(validateStorageDaemon(sd).map((p) => p.rule).sort()).toEqual(["dangling-reference", "required"]);
  });
});
