/**
 * Pure checks of the directive tables: internal consistency (keywords, references, stores,
 * values, blocks, versions) and the facts the rest of the product relies on.
 */
import { describe, expect, it } from "vitest";
import {
  compareVersions,
  directivesFor,
  findDirective,
  findResource,
  normalizeKeyword,
  resourcesFor,
  supports,
  TABLES,
  valuesFor,
} from "./index";
import { MESSAGE_TYPES } from "./messages";
import type { BlockDef, Daemon, DirectiveDef, ResourceDef, StoreFn } from "./types";

/** Every StoreFn, exactly (the Record type makes tsc fail when one is missing or unknown). */
const STORE_FNS: Record<StoreFn, true> = {
  name: true, strname: true, str: true, dir: true, password: true, res: true, alist_res: true,
  alist_str: true, alist_dir: true, defs: true, int32: true, pint32: true, int64: true, size32: true,
  size64: true, speed: true, time: true, bool: true, bit: true, label: true, acl: true,
  addresses: true, addresses_address: true, addresses_port: true, msgs: true, coll_type: true,
  storage_mngr: true, jobtype: true, level: true, migtype: true, replace: true, actiononpurge: true,
  device: true, ac_res: true, run: true, runscript: true, short_runscript: true,
  runscript_when: true, runscript_cmd: true, runscript_target: true, runscript_bool: true,
  runscript_int: true, inc: true, opts: true, lopts: true, wild: true, regex: true, base: true,
  fname: true, plugin_name: true, plugin: true, excludedir: true, options_res: true, fstype: true,
  drivetype: true, devtype: true, maxblocksize: true, cloud_driver: true, uri_style: true,
  protocol: true, truncate: true, upload: true, transfer_priority: true,
  objects_default_tier: true, enctype: true, digest_type: true, cipher_type: true, runres: true,
};

/** Stores whose value is one keyword of a fixed list: they must list `values`. */
const KEYWORD_STORES = new Set<StoreFn>([
  "label", "coll_type", "storage_mngr", "jobtype", "level", "migtype", "replace", "actiononpurge",
  "runscript_when", "devtype", "cloud_driver", "uri_style", "protocol", "truncate", "upload",
  "transfer_priority", "objects_default_tier", "enctype", "digest_type", "cipher_type",
]);
const REF_STORES = new Set<StoreFn>(["res", "alist_res", "ac_res", "defs", "device"]);
const BLOCK_STORES = new Set<StoreFn>(["runscript", "inc", "options_res"]);
const BOOL_STORES = new Set<StoreFn>(["bool", "bit", "runscript_bool"]);
const NUMBER_STORES = new Set<StoreFn>([
  "int32", "pint32", "int64", "size32", "size64", "speed", "time", "addresses_port", "maxblocksize",
]);
const LIST_STORES = new Set<StoreFn>([
  "alist_res", "alist_str", "alist_dir", "acl", "msgs", "run", "runres", "runscript",
  "short_runscript", "inc", "options_res", "fname", "plugin_name", "device", "regex", "wild", "base",
  "fstype", "drivetype", "runscript_cmd",
]);

const DAEMONS: Daemon[] = ["dir", "sd", "fd", "console"];

interface Owner {
  daemon: Daemon;
  path: string;
  resource: ResourceDef;
  owner: ResourceDef | BlockDef;
}

/** Every resource and every sub-block, with where it is. */
function owners(): Owner[] {
  const out: Owner[] = [];
  const walk = (daemon: Daemon, resource: ResourceDef, owner: ResourceDef | BlockDef, path: string) => {
    out.push({ daemon, path, resource, owner });
    for (const def of owner.directives) if (def.block) walk(daemon, resource, def.block, `${path}.${def.name}`);
  };
  for (const daemon of DAEMONS) for (const r of TABLES[daemon].resources) walk(daemon, r, r, `${daemon}:${r.name}`);
  return out;
}

function allDefs(): { o: Owner; def: DirectiveDef }[] {
  return owners().flatMap((o) => o.owner.directives.map((def) => ({ o, def })));
}

const resourceKeywords = (daemon: Daemon) =>
  new Set(TABLES[daemon].resources.flatMap((r) => [r.name, ...(r.aliases ?? [])]));

describe("directive tables: consistency", () => {
  it("every table names its daemon and has resources", () => {
    for (const daemon of DAEMONS) {
      expect(TABLES[daemon].daemon).toBe(daemon);
      expect(TABLES[daemon].resources.length).toBeGreaterThan(1);
    }
  });

  it("has no duplicate keyword (names and aliases, as Bacula compares them) in a resource or block", () => {
    for (const o of owners()) {
      const seen = new Map<string, string>();
      for (const def of o.owner.directives) {
        for (const kw of [def.name, ...(def.aliases ?? [])]) {
          const key = normalizeKeyword(kw);
          expect(seen.get(key), `${o.path}: ${kw} duplicates ${seen.get(key)}`).toBeUndefined();
          seen.set(key, def.name);
        }
      }
    }
  });

  it("has no duplicate resource keyword in a daemon", () => {
    for (const daemon of DAEMONS) {
      const seen = new Set<string>();
      for (const r of TABLES[daemon].resources) {
        for (const kw of [r.name, ...(r.aliases ?? [])]) {
          const key = normalizeKeyword(kw);
          expect(seen.has(key), `${daemon}: ${kw}`).toBe(false);
          seen.add(key);
        }
      }
    }
  });

  it("spells every keyword with ASCII letters only (anything else is no identifier for Bacula's lexer)", () => {
    for (const { o, def } of allDefs()) {
      for (const kw of [def.name, ...(def.aliases ?? [])]) expect(kw, o.path).toMatch(/^[A-Za-z]+$/);
    }
    for (const daemon of DAEMONS)
      for (const r of TABLES[daemon].resources) for (const kw of [r.name, ...(r.aliases ?? [])]) expect(kw).toMatch(/^[A-Za-z]+$/);
  });

  it("uses only known store functions", () => {
    for (const { o, def } of allDefs()) expect(STORE_FNS[def.store], `${o.path}.${def.name}: ${def.store}`).toBe(true);
  });

  it("gives a ref exactly to reference stores, naming a resource type of the same daemon", () => {
    for (const { o, def } of allDefs()) {
      const where = `${o.path}.${def.name}`;
      if (REF_STORES.has(def.store)) expect(def.ref, where).toBeTruthy();
      else if (def.store !== "runscript_target") expect(def.ref, where).toBeUndefined();
      if (!def.ref) continue;
      if (def.store === "device") {
        // A Director Storage's Device names a Device or Autochanger of the Storage Daemon.
        expect(o.daemon).toBe("dir");
        expect(resourceKeywords("sd").has(def.ref), where).toBe(true);
      } else {
        expect(resourceKeywords(o.daemon).has(def.ref), where).toBe(true);
      }
    }
  });

  it("lists values for keyword stores, and versions only for listed values", () => {
    for (const { o, def } of allDefs()) {
      const where = `${o.path}.${def.name}`;
      if (KEYWORD_STORES.has(def.store)) expect(def.values?.length, where).toBeGreaterThan(0);
      if (def.store === "opts") expect(def.values?.length, where).toBeGreaterThan(0);
      if (def.values) {
        expect(KEYWORD_STORES.has(def.store) || def.store === "opts", where).toBe(true);
        const lower = def.values.map((v) => v.toLowerCase());
        expect(new Set(lower).size, `${where}: duplicate values`).toBe(lower.length);
      }
      for (const k of [...Object.keys(def.valueSince ?? {}), ...Object.keys(def.valueUntil ?? {})])
        expect(def.values, `${where}: ${k}`).toContain(k);
      if (def.caseSensitiveValues) expect(def.values, where).toBeDefined();
    }
  });

  it("gives a block exactly to sub-block stores", () => {
    for (const { o, def } of allDefs()) {
      expect(!!def.block, `${o.path}.${def.name}`).toBe(BLOCK_STORES.has(def.store));
    }
  });

  it("marks list-like stores repeatable and nothing else", () => {
    for (const { o, def } of allDefs()) {
      expect(!!def.repeatable, `${o.path}.${def.name} (${def.store})`).toBe(LIST_STORES.has(def.store));
    }
  });

  it("gives defaults of the store's type", () => {
    for (const { o, def } of allDefs()) {
      if (def.default === undefined) continue;
      const where = `${o.path}.${def.name}`;
      if (BOOL_STORES.has(def.store)) expect(typeof def.default, where).toBe("boolean");
      else if (NUMBER_STORES.has(def.store)) expect(typeof def.default, where).toBe("number");
      else if (def.values) expect(def.values, where).toContain(def.default);
    }
  });

  it("uses valid versions, later than 13.0, with since before until", () => {
    const check = (where: string, since?: string, until?: string) => {
      for (const v of [since, until]) if (v !== undefined) expect(v, where).toMatch(/^\d+\.\d+(\.\d+)?$/);
      if (since) expect(compareVersions(since, "13.0"), where).toBeGreaterThan(0);
      if (since && until) expect(compareVersions(since, until), where).toBeLessThan(0);
    };
    for (const { o, def } of allDefs()) {
      check(`${o.path}.${def.name}`, def.since, def.until);
      for (const v of def.values ?? []) check(`${o.path}.${def.name}=${v}`, def.valueSince?.[v], def.valueUntil?.[v]);
    }
    for (const daemon of DAEMONS) for (const r of TABLES[daemon].resources) check(r.name, r.since, r.until);
  });

  it("starts every resource with its required Name", () => {
    for (const daemon of DAEMONS)
      for (const r of TABLES[daemon].resources) {
        expect(r.directives[0]?.name, r.name).toBe("Name");
        expect(r.directives[0]?.store).toBe("name");
        expect(r.directives[0]?.required).toBe(true);
      }
  });

  it("keeps the other JSON-view and validation facts coherent", () => {
    for (const { o, def } of allDefs()) {
      const where = `${o.path}.${def.name}`;
      for (const a of def.jsonHiddenAliases ?? []) expect(def.aliases, where).toContain(a);
      if (def.requiredUnless) {
        const other = o.owner.directives.find((x) => x.name === def.requiredUnless);
        expect(other?.store, where).toBe("bool");
        expect(def.required, where).toBeFalsy();
      }
      expect(def.destination !== undefined, where).toBe(def.store === "msgs");
      if (def.letters) expect(def.store, where).toBe("lopts");
      if (def.allowDups) expect(def.repeatable, where).toBeFalsy();
      for (const x of def.excludes ?? []) {
        // Exclusions name rows of the same resource, and only the address stores that share a list.
        const other = o.owner.directives.find((y) => y.name === x);
        expect(other, `${where} excludes ${x}`).toBeDefined();
        expect(def.store, where).toBe("addresses");
        expect(["addresses_address", "addresses_port"], `${where} excludes ${x}`).toContain(other?.store);
      }
    }
  });

  it("has one single resource per daemon config (Director, Storage, FileDaemon), none in bconsole", () => {
    const single = (daemon: Daemon) => TABLES[daemon].resources.filter((r) => r.single).map((r) => r.name);
    expect(single("dir")).toEqual(["Director"]);
    expect(single("sd")).toEqual(["Storage"]);
    expect(single("fd")).toEqual(["FileDaemon"]);
    expect(single("console")).toEqual([]);
  });
});

describe("directive tables: facts from the source", () => {
  const res = (daemon: Daemon, name: string): ResourceDef => {
    const r = findResource(daemon, name);
    if (!r) throw new Error(`${daemon}: no ${name}`);
    return r;
  };
  const required = (r: ResourceDef) => r.directives.filter((x) => x.required).map((x) => x.name);

  it("has the required directives Bacula enforces", () => {
    expect(required(res("dir", "Director"))).toEqual(["Name", "QueryFile", "WorkingDirectory", "PidDirectory", "Password"]);
    expect(required(res("dir", "Storage"))).toEqual(["Name", "Address", "Password", "Device", "MediaType"]);
    expect(required(res("dir", "Catalog"))).toEqual(["Name", "DbName"]);
    expect(required(res("dir", "Pool"))).toEqual(["Name", "PoolType"]);
    expect(required(res("dir", "Client"))).toEqual(["Name", "Password", "Catalog"]);
    expect(findDirective(res("dir", "Client"), "Address")?.requiredUnless).toBe("AllowFDConnections");
    expect(required(res("dir", "Job"))).toEqual(["Name", "Type", "Messages", "Pool", "Client", "Fileset"]);
    expect(required(res("dir", "JobDefs"))).toEqual(["Name"]);
    expect(required(res("dir", "Statistics"))).toEqual(["Name", "Type"]);
    expect(required(res("sd", "Storage"))).toEqual(["Name", "WorkingDirectory", "PidDirectory"]);
    expect(required(res("sd", "Device"))).toEqual(["Name", "MediaType", "ArchiveDevice"]);
    expect(required(res("sd", "Autochanger"))).toEqual(["Name", "Device", "ChangerDevice", "ChangerCommand"]);
    expect(required(res("sd", "Cloud"))).toEqual(["Name", "Driver", "BucketName"]);
    expect(required(res("fd", "FileDaemon"))).toEqual(["Name", "WorkingDirectory", "PidDirectory"]);
    expect(required(res("console", "Director"))).toEqual(["Name", "Address", "Password"]);
  });

  it("gives JobDefs exactly the Job's directives", () => {
    expect(res("dir", "JobDefs").directives.map((x) => x.name)).toEqual(res("dir", "Job").directives.map((x) => x.name));
  });

  it("finds resources and directives as Bacula does: case-insensitively, ignoring blanks", () => {
    expect(normalizeKeyword("Maximum Concurrent\tJobs")).toBe("maximumconcurrentjobs");
    expect(normalizeKeyword("already")).toBe("already");
    expect(normalizeKeyword("ÄÖ X")).toBe("ÄÖx");
    const job = res("dir", "Job");
    expect(findDirective(job, "Maximum Concurrent Jobs")?.name).toBe("MaximumConcurrentJobs");
    expect(findDirective(job, "runbeforejob")?.name).toBe("RunBeforeJob");
    expect(findDirective(job, "Job To Verify")?.name).toBe("VerifyJob");
    expect(findDirective(job, "FullMaxWaitTime")?.name).toBe("FullMaxRunTime");
    expect(findDirective(job, "NoSuchKeyword")).toBeUndefined();
    expect(findResource("dir", "autochanger")?.name).toBe("Storage");
    expect(findResource("dir", "File Set")?.name).toBe("Fileset");
    expect(findResource("fd", "Client")?.name).toBe("FileDaemon");
    expect(findResource("sd", "Autochanger")?.name).toBe("Autochanger");
    expect(findResource("dir", "Device")).toBeUndefined();
    expect(findDirective(res("dir", "Catalog"), "dbuser")?.name).toBe("User");
    const rs = findDirective(job, "RunScript")?.block;
    expect(rs && findDirective(rs, "Runs On Client")?.name).toBe("RunsOnClient");
    expect(rs && findDirective(rs, "target")?.name).toBe("RunsOnClient");
    const inc = findDirective(res("dir", "FileSet"), "Include")?.block;
    const opts = inc && findDirective(inc, "Options")?.block;
    expect(opts && findDirective(opts, "signature")?.values).toContain("Sha256");
    const exc = findDirective(res("dir", "FileSet"), "Exclude")?.block;
    expect(exc && findDirective(exc, "Plugin")).toBeUndefined();
  });

  it("compares versions numerically", () => {
    expect(compareVersions("13.0", "15.0")).toBe(-1);
    expect(compareVersions("15.0.3", "15.0")).toBe(1);
    expect(compareVersions("15", "15.0.0")).toBe(0);
    expect(compareVersions("9.6.7", "13.0")).toBe(-1);
    expect(compareVersions("15.10", "15.2")).toBe(1);
  });

  it("knows the storage group policies per version, with the spelling of the 15.0.3 binary", () => {
    const sgp = findDirective(res("dir", "Pool"), "StorageGroupPolicy")!;
    expect(valuesFor(sgp, "13.0.3")).toEqual(["ListedOrder", "LeastUsed"]);
    expect(valuesFor(sgp, "15.0.3")).toEqual(["ListedOrder", "LeastUsed", "FreeSpace", "FreeSpaceLeastUsed", "LastBackedUpTo"]);
    expect(supports("13.0", sgp, "LeastUsed")).toBe(true);
    expect(supports("13.0", sgp, "FreeSpace")).toBe(false);
    expect(supports("15.0.3", sgp, "LastBackedUpTo")).toBe(true);
    expect(supports("15.0.3", sgp, "LastBackupedTo")).toBe(false);
    // The runtime compares exactly: a lowercase spelling silently falls back to ListedOrder.
    expect(supports("15.0", sgp, "leastused")).toBe(false);
    expect(sgp.caseSensitiveValues).toBe(true);
    const thr = findDirective(res("dir", "Pool"), "StorageGroupPolicyThreshold")!;
    expect(supports("13.0.3", thr)).toBe(false);
    expect(supports("15.0.3", thr)).toBe(true);
    // Other keyword stores compare case-insensitively.
    const type = findDirective(res("dir", "Job"), "Type")!;
    expect(supports("13.0", type, "copy")).toBe(true);
    expect(supports("13.0", type, "Clone")).toBe(false);
  });

  it("knows what 15.0 added", () => {
    const since15 = (daemon: Daemon) =>
      owners()
        .filter((o) => o.daemon === daemon && o.resource.name !== "JobDefs")
        .flatMap((o) => o.owner.directives.filter((x) => x.since === "15.0").map((x) => `${o.path.split(":")[1]}.${x.name}`));
    expect(since15("dir")).toEqual([
      "Director.MalwareDatabaseCommand",
      "Director.CustomerId",
      "Pool.StorageGroupPolicyThreshold",
      "Job.CheckMalware",
      "Job.StorageGroupPolicyThreshold",
      "Job.Runscript.Timeout",
    ]);
    expect(since15("sd")).toEqual([
      "Storage.EncryptionCommand",
      "Device.SetVolumeAppendOnly",
      "Device.SetVolumeImmutable",
      "Device.SetVolumeReadOnly",
      "Device.MinimumVolumeProtectionTime",
      "Device.MaximumVolumeParts",
      "Device.VolumeEncryption",
      "Cloud.StorageClass",
    ]);
    expect(since15("fd")).toEqual([
      "FileDaemon.PluginOptions",
      "Director.AllowedBackupDirectories",
      "Director.ExcludedBackupDirectories",
      "Director.AllowedScriptDirectories",
      "Director.AllowedRestoreDirectories",
      "Director.BackupJobUser",
      "Director.RestoreJobUser",
    ]);
    expect(since15("console")).toEqual([]);
    expect(supports("13.0.3", res("dir", "Tenant"))).toBe(false);
    expect(supports("15.0", res("dir", "Tenant"))).toBe(true);
    expect(resourcesFor("dir", "13.0.3").map((r) => r.name)).not.toContain("Tenant");
    expect(resourcesFor("dir", "15.0.3").map((r) => r.name)).toContain("Tenant");
    const job = res("dir", "Job");
    expect(directivesFor(job, "15.0").length - directivesFor(job, "13.0").length).toBe(2);
    const rs = findDirective(job, "Runscript")!.block!;
    expect(valuesFor(findDirective(rs, "RunsWhen")!, "13.0")).not.toContain("Queued");
    expect(valuesFor(findDirective(rs, "RunsWhen")!, "15.0")).toContain("Queued");
    const driver = findDirective(res("sd", "Cloud"), "Driver")!;
    expect(valuesFor(driver, "13.0.3")).toEqual(["S3", "File"]);
    expect(valuesFor(driver, "15.0.3")).toEqual(["S3", "File", "Amazon"]);
  });

  it("lists the message types, all accepted by both versions", () => {
    const names = MESSAGE_TYPES.map((t) => t.name);
    expect(names).toContain("All");
    expect(names).toContain("Warning");
    expect(new Set(names.map((n) => n.toLowerCase())).size).toBe(names.length);
  });

  it("looks keywords up fast enough for 100k-line configs", () => {
    const job = res("dir", "Job");
    const keys = job.directives.map((x) => x.name.replace(/([a-z])([A-Z])/g, "$1 $2"));
    const t0 = performance.now();
    let found = 0;
    for (let i = 0; i < 200_000; i++) if (findDirective(job, keys[i % keys.length]!)) found++;
    const ms = performance.now() - t0;
    expect(found).toBe(200_000);
    expect(ms).toBeLessThan(1000);
  });

  it("reports the counts", () => {
    for (const daemon of DAEMONS) {
      const t = TABLES[daemon];
      const rows = t.resources.map((r) => `${r.name} ${r.directives.length}`);
      const total = owners().filter((o) => o.daemon === daemon).reduce((n, o) => n + o.owner.directives.length, 0);
      console.log(`${daemon}: ${t.resources.length} resources, ${total} directives (with sub-blocks): ${rows.join(", ")}`);
    }
  });
});
