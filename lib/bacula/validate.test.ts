import { describe, expect, it } from "vitest";
import type { DirectorConfig } from "./model";
import { demoDirector, demoSd2 } from "./testing/fixtures";
import { runBdirjson } from "./testing/bacula-bin";
import { renderDirector } from "./render";
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
    expect(got.sort()).toEqual([
      "Catalog/MyCatalog/dbName",
      // Not ITEM_REQUIRED in Bacula's table, but refused after the parse unless AllowFDConnections = yes.
      "Client/client1-fd/address",
      "Director/primary-dir/queryFile",
      "Pool/Copy/poolType",
      "Storage/File4/mediaType",
    ]);
    // An empty required password is present (so not "required") but refused as a value.
    expect(find(cfg, "value")).toEqual([expect.objectContaining({ resource: "Director", field: "password", message: expect.stringMatching(/must not be empty/) })]);
  });

  it("a Client may go without Address only when it connects itself (AllowFDConnections = yes)", () => {
    const cfg = demo();
    cfg.clients[0].address = undefined;
    expect(find(cfg, "required").map((p) => p.field)).toEqual(["address"]);
    cfg.clients[0].extra = [{ kind: "directive", name: "AllowFDConnections", value: false }];
    expect(find(cfg, "required").map((p) => p.field)).toEqual(["address"]);
    cfg.clients[0].extra = [{ kind: "directive", name: "AllowFDConnections", value: true }];
    expect(find(cfg, "required")).toEqual([]);
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
    // Whole-config rules name the resource type (the table's spelling).
    expect(find(cfg, "min-count").map((p) => `${p.resource}/${p.field}`)).toEqual(["Config/Messages", "Config/Job"]);
    expect(find(cfg, "min-count")[1].message).toMatch(/needs at least one Job resource/);
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
    // Bacula accepts a cycle and it works: said, and the Director still renders (bdirjson takes it).
    expect(p[0].severity).toBe("warning");
    const text = renderDirector(cfg, { revision: 1 });
    expect(runBdirjson(text, { test: true }).code).toBe(0);
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
    // The tables describe 13.0 and 15.0; before 13.0 only the semantic rule on storage lists speaks.
    cfg.director.version = "9.6.7";
    // Storage groups that 9.6 would silently cut to their first member are refused at save.
    expect(find(cfg, "storage-group-version")).toEqual([expect.objectContaining({ resource: "Pool", name: "Full", field: "storage", severity: "error" })]);
    expect(find(cfg, "storage-group-version")[0].message).toMatch(/uses only the first \(File4\)/);

    cfg.director.version = "13.0.2";
    cfg.pools[0].storageGroupPolicy = "FreeSpace";
    cfg.pools[0].storageGroupPolicyThreshold = "10G";
    const v13 = find(cfg, "version").map((p) => p.message);
    expect(v13).toEqual([expect.stringMatching(/StorageGroupPolicy = FreeSpace needs Bacula 15\.0/), expect.stringMatching(/StorageGroupPolicyThreshold needs Bacula 15\.0/)]);
    expect(find(cfg, "version").map((p) => `${p.resource}/${p.name}/${p.field}`)).toEqual(["Pool/Full/storageGroupPolicy", "Pool/Full/storageGroupPolicyThreshold"]);

    cfg.director.version = "15.0.3";
    expect(find(cfg, "version")).toEqual([]);
    cfg.pools[0].storageGroupPolicy = "LeastUsed";
    expect(find(cfg, "policy-threshold")).toHaveLength(1);
  });

  it("non-canonical policy spellings", () => {
    const cfg = demo();
    cfg.pools[0].storageGroupPolicy = "leastused";
    const spelling = find(cfg, "policy-spelling");
    expect(spelling.length).toBeGreaterThan(0);
    expect(spelling.every((p) => p.field === "storageGroupPolicy" && p.severity === "error")).toBe(true);
    expect(spelling.map((p) => p.message).join("\n")).toMatch(/written LeastUsed.*case-sensitively/);
    expect(spelling.map((p) => p.message).join("\n")).toMatch(/falls back to ListedOrder/);
    cfg.pools[0].storageGroupPolicy = "LastBackupedTo";
    expect(find(cfg, "policy-spelling").map((p) => p.message).join("\n")).toMatch(/refused by Bacula 15\.0\.3.*write LastBackedUpTo/);
    cfg.pools[0].storageGroupPolicy = "Random";
    expect(find(cfg, "policy-spelling").map((p) => p.message).join("\n")).toMatch(/unknown StorageGroupPolicy "Random"/);
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
    cfg.pools[0].maximumVolumeBytes = "50 parsecs";
    expect(find(cfg, "value").map((p) => `${p.name}/${p.field}`)).toEqual(["Full/maximumVolumeBytes", "client1-fd/password"]);
    expect(find(cfg, "time-months")).toEqual([expect.objectContaining({ name: "client1-fd", field: "fileRetention", severity: "warning" })]);
    expect(find(cfg, "time-months")[0].message).toMatch(/"m" as months/);
    // "min" and "months" spelled out are not flagged; the rule also covers directives kept as generic items.
    cfg.clients[0].fileRetention = "90 min";
    cfg.clients[0].extra = [{ kind: "directive", name: "MaximumBandwidthPerJob", value: "5 mb/s" }];
    cfg.jobs[2].extra = [{ kind: "directive", name: "MaxRunTime", value: "2h30m" }];
    expect(find(cfg, "time-months").map((p) => `${p.name}/${p.field}`)).toEqual(["Copy-to-SD2/directives.MaxRunTime"]);
  });

  it("addresses and ports Bacula's parser takes but the Director cannot reach are warnings", () => {
    const cfg = demo();
    cfg.storages[0].address = "sd 1.example.net";
    cfg.storages[1].sdPort = 0;
    cfg.clients[0].fdPort = 70000;
    cfg.catalogs[0].dbPort = 65536;
    cfg.catalogs[0].dbAddress = "/run/postgresql"; // a socket directory is a fine DB Address
    const got = validateDirector(cfg).filter((p) => p.rule === "address" || p.rule === "port-range");
    expect(got.map((p) => `${p.resource}/${p.name}/${p.field}/${p.severity}`).sort()).toEqual([
      "Catalog/MyCatalog/dbPort/warning",
      "Client/client1-fd/fdPort/warning",
      "Storage/File4/address/warning",
      "Storage/File5/sdPort/warning",
    ]);
    expect(got.find((p) => p.field === "address")?.message).toMatch(/not a host name/);
    cfg.storages[1].sdPort = 65535;
    expect(validateDirector(cfg).filter((p) => p.rule === "port-range" && p.resource === "Storage")).toEqual([]);
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
