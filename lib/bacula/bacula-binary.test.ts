/**
 * Rendered configs checked by Bacula's own parsers (bdirjson / bsdjson 15.0.3).
 * These tests FAIL (not skip) when the binaries are missing.
 */
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DirectorConfig, JobResource, StorageDaemonConfig } from "./model";
import { RenderError, renderDirector, renderStorageDaemon } from "./render";
import { demoDirector, demoSd1, demoSd2 } from "./testing/fixtures";
import {
  makeBaculaTempDir,
  requireBaculaBinary,
  resourcesOf,
  runBdirjson,
  runBsdjson,
} from "./testing/bacula-bin";
import { durationSeconds, nameProblem, sizeBytes, valueProblem } from "./stores";
import { findDirective, findResource, INCLUDE_BLOCK, RUNSCRIPT_BLOCK } from "./tables";
import type { DirectiveDef } from "./tables/types";
import { typedKeys } from "./typed";
import { effectiveJob, validateDirector } from "./validate";

type J = Record<string, unknown>;

let tmp: ReturnType<typeof makeBaculaTempDir>;
beforeAll(() => {
  tmp = makeBaculaTempDir();
});
afterAll(() => tmp?.cleanup());

function byName(json: unknown, type: string): Map<string, J> {
  return new Map(resourcesOf(json, type).map((r) => [r.Name as string, r]));
}

/** Compare bdirjson's JSON with the model: names, ordered storage lists, policies, values. */
function expectDirectorJson(cfg: DirectorConfig, json: unknown) {
  expect(Array.isArray(json)).toBe(true);
  const count = (t: string) => resourcesOf(json, t).length;
  expect(count("Director")).toBe(1);
  expect(count("Catalog")).toBe(cfg.catalogs.length);
  expect(count("Storage")).toBe(cfg.storages.length);
  expect(count("Pool")).toBe(cfg.pools.length);
  expect(count("Client")).toBe(cfg.clients.length);
  expect(count("Fileset")).toBe(cfg.filesets.length);
  expect(count("Schedule")).toBe(cfg.schedules.length);
  expect(count("Messages")).toBe(cfg.messages.length);
  expect(count("JobDefs")).toBe(cfg.jobDefs.length);
  expect(count("Job")).toBe(cfg.jobs.length);

  const d = resourcesOf(json, "Director")[0];
  const m = cfg.director;
  expect(d.Name).toBe(m.name);
  expect(d.Password).toBe(m.password);
  expect(d.QueryFile).toBe(m.queryFile);
  expect(d.WorkingDirectory).toBe(m.workingDirectory);
  expect(d.PidDirectory).toBe(m.pidDirectory);
  expect(d.Messages).toBe(m.messages);
  if (m.address) expect(d.DirAddress).toBe(m.address);
  if (m.description) expect(d.Description).toBe(m.description);

  const cats = byName(json, "Catalog");
  for (const c of cfg.catalogs) {
    const j = cats.get(c.name)!;
    expect(j, `Catalog ${c.name}`).toBeDefined();
    expect(j.DbName).toBe(c.dbName);
    if (c.dbUser) expect(j.User).toBe(c.dbUser);
    if (c.dbPassword) expect(j.Password).toBe(c.dbPassword);
    if (c.dbAddress) expect(j.Address).toBe(c.dbAddress);
    if (c.dbPort) expect(j.DbPort).toBe(c.dbPort);
  }

  const sts = byName(json, "Storage");
  for (const s of cfg.storages) {
    const j = sts.get(s.name)!;
    expect(j, `Storage ${s.name}`).toBeDefined();
    expect(j.Address).toBe(s.address);
    expect(j.Password).toBe(s.password);
    expect(j.Device).toEqual([s.device]);
    expect(j.MediaType).toBe(s.mediaType);
    expect(j.SdPort ?? 9103).toBe(s.sdPort ?? 9103);
    if (s.maxConcurrentJobs !== undefined) expect(j.MaximumConcurrentJobs ?? 1).toBe(s.maxConcurrentJobs);
    if (s.autochanger !== undefined && s.autochanger !== false)
      expect(j.Autochanger).toBe(s.autochanger === true ? s.name : s.autochanger);
  }

  const pools = byName(json, "Pool");
  for (const p of cfg.pools) {
    const j = pools.get(p.name)!;
    expect(j, `Pool ${p.name}`).toBeDefined();
    expect(j.PoolType).toBe(p.poolType);
    expect(j.Storage).toEqual(p.storage);
    expect(j.StorageGroupPolicy).toBe(p.storageGroupPolicy);
    expect(j.NextPool).toBe(p.nextPool);
    if (p.storageGroupPolicyThreshold) expect(j.StorageGroupPolicyThreshold).toBe(sizeBytes(p.storageGroupPolicyThreshold));
    if (p.maximumVolumeBytes) expect(j.MaximumVolumeBytes).toBe(sizeBytes(p.maximumVolumeBytes));
    if (p.volumeRetention) expect(j.VolumeRetention ?? 31536000).toBe(durationSeconds(p.volumeRetention));
    if (p.labelFormat) expect(j.LabelFormat).toBe(p.labelFormat);
    if (p.maximumVolumes !== undefined) expect(j.MaximumVolumes).toBe(p.maximumVolumes);
  }

  const clients = byName(json, "Client");
  for (const c of cfg.clients) {
    const j = clients.get(c.name)!;
    expect(j, `Client ${c.name}`).toBeDefined();
    expect(j.Address).toBe(c.address);
    expect(j.Password).toBe(c.password);
    expect(j.Catalog).toBe(c.catalog);
    expect(j.FdPort ?? 9102).toBe(c.fdPort ?? 9102);
    if (c.fileRetention) expect(j.FileRetention ?? 5184000).toBe(durationSeconds(c.fileRetention));
    if (c.jobRetention) expect(j.JobRetention ?? 15552000).toBe(durationSeconds(c.jobRetention));
  }

  const filesets = byName(json, "Fileset");
  for (const f of cfg.filesets) {
    const j = filesets.get(f.name)!;
    expect(j, `FileSet ${f.name}`).toBeDefined();
    const inc = (j.Include as J[] | undefined)?.[0];
    expect(inc?.File ?? []).toEqual(f.include ?? []);
    const exc = Array.isArray(j.Exclude) ? (j.Exclude as J[])[0] : (j.Exclude as J | undefined);
    expect(exc?.File ?? []).toEqual(f.exclude ?? []);
  }

  const scheds = byName(json, "Schedule");
  for (const s of cfg.schedules) expect((scheds.get(s.name)?.Run as unknown[] | undefined)?.length ?? 0).toBe(s.run?.length ?? 0);

  const msgs = byName(json, "Messages");
  for (const mm of cfg.messages) {
    const j = msgs.get(mm.name)!;
    expect(j, `Messages ${mm.name}`).toBeDefined();
    if (mm.mailCommand) expect(j.MailCommand).toBe(mm.mailCommand);
    const dests = (j.Destinations as J[]).map((x) => `${String(x.Type).toLowerCase()}=${(x.Where as string[] | undefined)?.join(",") ?? ""}`).sort();
    const want = (mm.destinations ?? []).map((x) => `${x.kind}=${x.where ?? ""}`).sort();
    expect(dests).toEqual(want);
  }

  const jobs = byName(json, "Job");
  for (const job of cfg.jobs) {
    const e = effectiveJob(cfg, job);
    const j = jobs.get(job.name)!;
    expect(j, `Job ${job.name}`).toBeDefined();
    expect(j.Type).toBe(e.type);
    if (e.level) expect(j.Level).toBe(e.level);
    expect(j.Pool).toBe(e.pool);
    expect(j.Client).toBe(e.client);
    expect(j.Fileset).toBe(e.fileset);
    expect(j.Messages).toBe(e.messages);
    expect(j.Schedule).toBe(e.schedule);
    expect(j.Storage).toEqual(e.storage);
    expect(j.StorageGroupPolicy).toBe(e.storageGroupPolicy);
    expect(j.NextPool).toBe(e.nextPool);
    expect(j.SelectionType).toBe(e.selectionType);
    expect(j.SelectionPattern).toBe(e.selectionPattern);
    expect(j.Run).toEqual(e.run);
    expect(j.JobDefs).toBe(job.jobDefs);
    expect(j.Priority ?? 10).toBe(e.priority ?? 10);
    expect(j.Enabled ?? true).toBe(e.enabled ?? true);
    const scripts = (j.Runscript as J[] | undefined) ?? [];
    expect(scripts.map((s) => s.Command)).toEqual((e.runScripts ?? []).map((s) => s.command));
    (e.runScripts ?? []).forEach((rs, i) => {
      if (rs.runsWhen) expect(scripts[i].RunsWhen).toBe(rs.runsWhen);
      if (rs.runsOnClient !== undefined) expect(scripts[i].RunsOnClient ?? true).toBe(rs.runsOnClient);
    });
  }
}

function expectSdJson(cfg: StorageDaemonConfig, json: unknown) {
  const st = resourcesOf(json, "Storage");
  expect(st).toHaveLength(1);
  expect(st[0].Name).toBe(cfg.storage.name);
  expect(st[0].WorkingDirectory).toBe(cfg.storage.workingDirectory);
  expect(st[0].SdPort ?? 9103).toBe(cfg.storage.sdPort ?? 9103);
  expect(resourcesOf(json, "Director").map((d) => [d.Name, d.Password])).toEqual(cfg.directors.map((d) => [d.name, d.password]));
  const devs = byName(json, "Device");
  expect(devs.size).toBe(cfg.devices.length);
  for (const dv of cfg.devices) {
    const j = devs.get(dv.name)!;
    expect(j.MediaType).toBe(dv.mediaType);
    expect(j.ArchiveDevice).toBe(dv.archiveDevice);
    expect(j.DeviceType).toBe(dv.deviceType);
    expect(j.LabelMedia).toBe(dv.labelMedia);
    expect(j.MaximumConcurrentJobs).toBe(dv.maximumConcurrentJobs);
  }
  const chg = byName(json, "Autochanger");
  expect(chg.size).toBe(cfg.autochangers.length);
  for (const a of cfg.autochangers) {
    expect(chg.get(a.name)?.Device).toEqual(a.devices);
    expect(chg.get(a.name)?.ChangerCommand).toBe(a.changerCommand);
  }
}

describe("Bacula binaries", () => {
  it("bdirjson and bsdjson are installed (the CI installs Bacula 15)", () => {
    expect(requireBaculaBinary("bdirjson")).toBe("/usr/sbin/bdirjson");
    expect(requireBaculaBinary("bsdjson")).toBe("/usr/sbin/bsdjson");
  });

  it("needs an existing WorkingDirectory but not QueryFile nor PidDirectory (measured)", () => {
    const cfg = demoDirector(tmp);
    cfg.director.queryFile = "/nonexistent/query.sql";
    cfg.director.pidDirectory = "/nonexistent/run";
    expect(runBdirjson(renderDirector(cfg, { revision: 1 }), { test: true }).code).toBe(0);
    cfg.director.workingDirectory = "/nonexistent/work";
    const r = runBdirjson(renderDirector(cfg, { revision: 1 }), { test: true });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/Working Directory/);
  });
});

describe("demo topology against bdirjson / bsdjson", () => {
  it("the Director config passes bdirjson -t and its JSON matches the model", () => {
    const cfg = demoDirector(tmp);
    const text = renderDirector(cfg, { revision: "demo-1" });
    const t = runBdirjson(text, { test: true });
    expect(t.stdout).toBe("");
    expect(t.code).toBe(0);
    const r = runBdirjson(text);
    expect(r.code).toBe(0);
    expectDirectorJson(cfg, r.json);
    // Ordered storage group and policy.
    const full = byName(r.json, "Pool").get("Full")!;
    expect(full.Storage).toEqual(["File4", "File5", "File6"]);
    expect(full.StorageGroupPolicy).toBe("LeastUsed");
    expect(byName(r.json, "Job").get("Nightly-client1")!.Run).toEqual(['CloneJob level=%l since="%s"']);
  });

  it("both Storage Daemon configs pass bsdjson -t and match", () => {
    for (const sd of [demoSd1(tmp), demoSd2(tmp)]) {
      const text = renderStorageDaemon(sd, { revision: 3 });
      const t = runBsdjson(text, { test: true });
      expect(t.stdout).toBe("");
      expect(t.code).toBe(0);
      const r = runBsdjson(text);
      expect(r.code).toBe(0);
      expectSdJson(sd, r.json);
    }
  });
});

function minimal(): DirectorConfig {
  const cfg = demoDirector(tmp);
  return {
    ...cfg,
    storages: [cfg.storages[0]],
    pools: [{ name: "P", poolType: "Backup", storage: ["File4"] }],
    filesets: [cfg.filesets[0]],
    schedules: [],
    messages: [cfg.messages[1]],
    jobDefs: [],
    jobs: [{ name: "J", type: "Backup", client: "client1-fd", fileset: "Full Set", messages: "Daemon", pool: "P" }],
  };
}

describe("other topologies", () => {
  it("a minimal Director (one storage, one job, storage only in the pool)", () => {
    const cfg = minimal();
    expect(validateDirector(cfg).filter((p) => p.severity === "error")).toEqual([]);
    const r = runBdirjson(renderDirector(cfg, { revision: 1 }));
    expect(r.stdout.startsWith("[")).toBe(true);
    expect(r.code).toBe(0);
    expectDirectorJson(cfg, r.json);
  });

  it("every 15.0 storage group policy, a threshold, and a Job-level ordered group", () => {
    const cfg = demoDirector(tmp);
    const policies = ["ListedOrder", "LeastUsed", "FreeSpace", "FreeSpaceLeastUsed", "LastBackedUpTo"] as const;
    cfg.pools.push(
      ...policies.map((p, i) => ({
        name: `Pool-${p}`,
        poolType: "Backup" as const,
        storage: i % 2 ? ["File6", "File4", "File5"] : ["File5", "File6"],
        storageGroupPolicy: p,
        ...(p.startsWith("FreeSpace") ? { storageGroupPolicyThreshold: "20G" } : {}),
      })),
    );
    cfg.jobs.push({
      name: "JobGroup",
      jobDefs: "DefaultJob",
      storage: ["File6", "File5", "File4"],
      storageGroupPolicy: "FreeSpaceLeastUsed",
      storageGroupPolicyThreshold: "500 MB",
    });
    expect(validateDirector(cfg).filter((p) => p.severity === "error")).toEqual([]);
    const r = runBdirjson(renderDirector(cfg, { revision: 2 }));
    expect(r.stdout.slice(0, 200)).toMatch(/^\[/);
    expectDirectorJson(cfg, r.json);
    const jj = byName(r.json, "Job").get("JobGroup")!;
    expect(jj.Storage).toEqual(["File6", "File5", "File4"]);
    expect(jj.StorageGroupPolicyThreshold).toBe(500_000_000);
  });

  it("a copy chain A -> B -> C across two SDs with Job-selected second hop", () => {
    const cfg = demoDirector(tmp);
    cfg.pools[1].nextPool = "Tape";
    cfg.storages.push({ name: "TapeLib", address: "sd2.example.net", sdPort: 9203, password: "x", device: "LTO", mediaType: "LTO-8", autochanger: "TapeLib" });
    cfg.pools.push({ name: "Tape", poolType: "Copy", storage: ["TapeLib"], volumeRetention: "1 year" });
    cfg.jobs.push({
      name: "Copy-to-Tape",
      type: "Copy",
      client: "client1-fd",
      fileset: "Full Set",
      messages: "Standard",
      pool: "Copy",
      selectionType: "Job",
      selectionPattern: "^Nightly-.*$",
    });
    expect(validateDirector(cfg).filter((p) => p.severity === "error")).toEqual([]);
    const r = runBdirjson(renderDirector(cfg, { revision: 3 }));
    expectDirectorJson(cfg, r.json);
  });

  it("a 9.6-style config without storage groups is still valid for 15.0.3", () => {
    const cfg = minimal();
    cfg.director.version = "9.6.7";
    expect(validateDirector(cfg).filter((p) => p.severity === "error")).toEqual([]);
    expect(runBdirjson(renderDirector(cfg, { revision: 1 }), { test: true }).code).toBe(0);
  });
});

describe("the validator agrees with Bacula on what Bacula refuses", () => {
  const cases: Array<[string, (c: DirectorConfig) => void, string]> = [
    ["job without storage in job or pool", (c) => void (c.pools[0].storage = undefined), "required"],
    ["job without messages", (c) => void (c.jobs[0].messages = undefined), "required"],
    ["admin job without client", (c) => void c.jobs.push({ name: "A", type: "Admin", fileset: "Full Set", messages: "Daemon", pool: "P" }), "required"],
    ["dangling schedule", (c) => void (c.jobs[0].schedule = "NoSuch"), "dangling-reference"],
    ["no job at all", (c) => void (c.jobs = []), "min-count"],
    ["client without catalog", (c) => void (c.clients[0].catalog = undefined), "required"],
    ["catalog without DbName", (c) => void (c.catalogs[0].dbName = undefined), "required"],
    ["pool without Pool Type", (c) => void (c.pools[0].poolType = undefined), "required"],
  ];
  for (const [title, mutate, rule] of cases) {
    it(title, () => {
      const cfg = minimal();
      mutate(cfg);
      expect(validateDirector(cfg).map((p) => p.rule)).toContain(rule);
      const r = runBdirjson(renderDirector(cfg, { revision: 1 }), { test: true });
      expect(r.code, r.stdout).toBe(1);
    });
  }

  it("Bacula 15.0.3 here accepts LastBackedUpTo and refuses LastBackupedTo; the renderer refuses it too", () => {
    const cfg = minimal();
    cfg.pools[0].storageGroupPolicy = "LastBackedUpTo";
    expect(runBdirjson(renderDirector(cfg, { revision: 1 }), { test: true }).code).toBe(0);
    cfg.pools[0].storageGroupPolicy = "LastBackupedTo";
    expect(() => renderDirector(cfg, { revision: 1 })).toThrow(RenderError);
    expect(validateDirector(cfg).map((p) => p.rule)).toContain("policy-spelling");
    const text = renderDirector({ ...cfg, pools: [{ ...cfg.pools[0], storageGroupPolicy: "LeastUsed" }] }, { revision: 1 }).replace(
      "StorageGroupPolicy = LeastUsed",
      "StorageGroupPolicy = LastBackupedTo",
    );
    const r = runBdirjson(text, { test: true });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/Invalid storage policy/);
  });

  it("Bacula accepts a lower-case policy (which the runtime ignores): the validator flags it, the renderer refuses it", () => {
    const cfg = minimal();
    const text = renderDirector({ ...cfg, pools: [{ ...cfg.pools[0], storageGroupPolicy: "LeastUsed" }] }, { revision: 1 }).replace(
      "StorageGroupPolicy = LeastUsed",
      "StorageGroupPolicy = leastused",
    );
    const r = runBdirjson(text);
    expect(r.code).toBe(0);
    expect(byName(r.json, "Pool").get("P")!.StorageGroupPolicy).toBe("leastused");
    cfg.pools[0].storageGroupPolicy = "leastused";
    expect(validateDirector(cfg).find((p) => p.rule === "policy-spelling")?.message).toMatch(/LeastUsed/);
    expect(() => renderDirector(cfg, { revision: 1 })).toThrow(/must be written LeastUsed/);
  });

  it("a Client without Address is refused unless AllowFDConnections = yes (validator and Bacula agree)", () => {
    const cfg = minimal();
    cfg.clients[0].address = undefined;
    expect(validateDirector(cfg).filter((p) => p.rule === "required").map((p) => `${p.name}/${p.field}`)).toEqual(["client1-fd/address"]);
    const r = runBdirjson(renderDirector(cfg, { revision: 1 }), { test: true });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/Address directive is required in Client resource/);
    cfg.clients[0].extra = [{ kind: "directive", name: "AllowFDConnections", value: true }];
    expect(validateDirector(cfg).filter((p) => p.severity === "error")).toEqual([]);
    expect(runBdirjson(renderDirector(cfg, { revision: 1 }), { test: true }).code).toBe(0);
  });

  it("a destination is written in the shape Bacula reads: what the renderer refuses, Bacula refuses too", () => {
    const cfg = minimal();
    const text = renderDirector(cfg, { revision: 1 });
    expect(text).toContain("  Console = all, !skipped, !saved\n");
    expect(runBdirjson(text, { test: true }).code).toBe(0);
    // What the renderer refuses to write (render.test.ts): an address on Console, none on Mail.
    const onConsole = runBdirjson(text.replace("  Console = all, !skipped, !saved\n", '  Console = "x" = all, !skipped, !saved\n'), { test: true });
    expect(onConsole.code).toBe(1);
    expect(onConsole.stdout).toMatch(/message type: x not found/);
    expect(runBdirjson(text.replace("  Console = all, !skipped, !saved\n", "  Mail = all, !skipped\n"), { test: true }).code).toBe(1);
  });

  it("a listening port is 1 to 65534 for Bacula and for the renderer", () => {
    const cfg = minimal();
    cfg.director.port = 65534;
    const text = renderDirector(cfg, { revision: 1 });
    const r = runBdirjson(text);
    expect(r.code, r.stdout).toBe(0);
    expect(resourcesOf(r.json, "Director")[0].DirPort).toBe(65534);
    expect(runBdirjson(text.replace("DirPort = 65534", "DirPort = 65535"), { test: true }).code).toBe(1);
    cfg.director.port = 65535;
    expect(() => renderDirector(cfg, { revision: 1 })).toThrow(/DirPort must be a port number between 1 and 65534/);
  });

  it("what the validator only warns about, Bacula accepts: a duration in 'm' is months, an address with a space is kept", () => {
    const cfg = minimal();
    cfg.clients[0].fileRetention = "90m";
    cfg.storages[0].address = "sd 1.example.net";
    cfg.storages[0].sdPort = 70000;
    const problems = validateDirector(cfg);
    expect(problems.filter((p) => p.severity === "error")).toEqual([]);
    expect(problems.map((p) => p.rule).sort()).toEqual(["address", "port-range", "time-months"]);
    const r = runBdirjson(renderDirector(cfg, { revision: 1 }));
    expect(r.code, r.stdout).toBe(0);
    expect(byName(r.json, "Client").get("client1-fd")!.FileRetention).toBe(90 * 30 * 24 * 3600);
    expect(byName(r.json, "Storage").get("File4")).toMatchObject({ Address: "sd 1.example.net", SdPort: 70000 });
  });

  it("a quoted DirAddress is refused by Bacula, so addresses are written unquoted", () => {
    const cfg = minimal();
    const text = renderDirector(cfg, { revision: 1 });
    expect(text).toContain("DirAddress = 127.0.0.1\n");
    expect(runBdirjson(text.replace("DirAddress = 127.0.0.1", 'DirAddress = "127.0.0.1"'), { test: true }).code).toBe(1);
  });
});

// ---------------------------------------------------------------------------------------------
// Property test: hostile strings in text fields are refused or read back exactly by bdirjson.

const HOSTILE = [
  '"}\nJob {\n  Name = "evil"',
  '" \n}\nJob {',
  "@/etc/passwd",
  "# not a comment",
  "a;b = c",
  "\\",
  '\\"',
  '"',
  "{",
  "}",
  "x = y, z",
  "%s %l %c",
  "ünï©ødé ✓ 日本語 😀",
  "\t",
  "\u0000",
  "\u007f",
  "\u2028",
  "",
  " ",
];

const hostileString = fc.oneof(
  fc.constantFrom(...HOSTILE),
  fc.string({ unit: "binary", maxLength: 40 }),
  fc.string({ unit: "grapheme", maxLength: 40 }),
  fc.string({
    unit: fc.constantFrom('"', "\\", "{", "}", "\n", "\r", "@", "#", ";", "=", ",", " ", "a", "é", "😀", "'"),
    maxLength: 30,
  }),
  fc.string({ unit: fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c)), minLength: 1, maxLength: 2 }),
  fc.string({ unit: fc.constantFrom("a", "\\", '"', "é"), minLength: 1000, maxLength: 2100 }),
);

const JOB_KEYS = new Set([
  "Name", "Description", "Type", "Level", "Messages", "Pool", "Client", "Fileset", "SelectionPattern", "Run", "Runscript", "Storage",
]);

/** The free-text fields the property fills, each with its table row (so each is judged by its own store). */
const job = findResource("dir", "Job")!;
const FIELDS: { field: string; def: DirectiveDef; value: (v: string) => Value }[] = [
  { field: "description", def: findDirective(job, "Description")!, value: (v) => v },
  { field: "selectionPattern", def: findDirective(job, "SelectionPattern")!, value: (v) => v },
  { field: "run", def: findDirective(job, "Run")!, value: (v) => [v] },
  { field: "runScripts[0].command", def: findDirective(RUNSCRIPT_BLOCK, "Command")!, value: (v) => v },
  { field: "password", def: findDirective(findResource("dir", "Client")!, "Password")!, value: (v) => v },
  { field: "include[0]", def: findDirective(INCLUDE_BLOCK, "File")!, value: (v) => v },
];
type Value = string | string[];

/** A config with `v` in one field (of a probe Job, Client or FileSet). */
function probe(base: DirectorConfig, field: string, v: string): DirectorConfig {
  const j: JobResource = { name: "Probe", type: "Backup", client: "client1-fd", fileset: "Full Set", messages: "Daemon", pool: "P" };
  const cfg: DirectorConfig = { ...base, jobs: [j] };
  if (field === "description") j.description = v;
  else if (field === "selectionPattern") j.selectionPattern = v;
  else if (field === "run") j.run = [v];
  else if (field === "runScripts[0].command") j.runScripts = [{ runsWhen: "After", runsOnClient: false, command: v }];
  else if (field === "password") cfg.clients = [{ ...base.clients[0], password: v }];
  else cfg.filesets = [{ name: "Full Set", include: [v] }];
  return cfg;
}

describe("hostile strings (fast-check, read back by bdirjson)", () => {
  it("each value is refused where its store refuses it (renderer and validator), or read back exactly and nothing else", () => {
    const base = minimal();
    let accepted = 0;
    let refused = 0;
    fc.assert(
      fc.property(fc.array(hostileString, { minLength: 3, maxLength: 6 }), fc.array(hostileString, { minLength: 1, maxLength: 3 }), (values, names) => {
        const ok = new Map<string, string[]>(FIELDS.map((f) => [f.field, []]));
        for (const v of values)
          for (const f of FIELDS) {
            if (valueProblem(f.def, f.value(v)) === null) {
              ok.get(f.field)!.push(v);
              continue;
            }
            refused++;
            const cfg = probe(base, f.field, v);
            let err: unknown;
            try {
              renderDirector(cfg, { revision: 1 });
            } catch (e) {
              err = e;
            }
            expect(err, `${f.field} = ${JSON.stringify(v)}`).toBeInstanceOf(RenderError);
            const re = err as RenderError;
            expect(re.directive).toBe(f.def.name);
            expect(re.problem.length).toBeGreaterThan(10);
            const problems = validateDirector(cfg).filter((p) => p.rule === "value" && p.severity === "error");
            expect(problems.map((p) => p.field)).toContain(f.field);
          }
        // Names: refused by rule, or read back exactly.
        const poolNames: string[] = [];
        for (const n of names) {
          if (nameProblem(n) !== null) {
            expect(() => renderDirector({ ...base, pools: [...base.pools, { name: n, poolType: "Backup" }] }, { revision: 1 })).toThrow(RenderError);
          } else if (n !== "P" && !poolNames.includes(n)) poolNames.push(n);
        }
        const at = <T>(field: string, i: number, f: (v: string) => T): T | undefined => {
          const list = ok.get(field)!;
          return i < list.length ? f(list[i]) : undefined;
        };
        const n = Math.max(...[...ok.values()].map((l) => l.length));
        const cfg: DirectorConfig = {
          ...base,
          pools: [...base.pools, ...poolNames.map((name) => ({ name, poolType: "Backup", labelFormat: "Vol-" }))],
          clients: [...base.clients, ...ok.get("password")!.map((v, i) => ({ ...base.clients[0], name: `ProbeClient${i}`, password: v }))],
          filesets: [...base.filesets, ...ok.get("include[0]")!.map((v, i) => ({ name: `ProbeSet${i}`, include: [v] }))],
          jobs: [
            ...base.jobs,
            ...Array.from({ length: n }, (_, i): JobResource => ({
              name: `Probe${i}`,
              type: "Backup",
              client: "client1-fd",
              fileset: "Full Set",
              messages: "Daemon",
              pool: "P",
              description: at("description", i, (v) => v),
              selectionPattern: at("selectionPattern", i, (v) => v),
              run: at("run", i, (v) => [v]),
              runScripts: at("runScripts[0].command", i, (v) => [{ runsWhen: "After", runsOnClient: false, command: v }]),
            })),
          ],
        };
        accepted += [...ok.values()].reduce((a, l) => a + l.length, 0);
        const r = runBdirjson(renderDirector(cfg, { revision: "prop" }));
        expect(r.code, r.stdout.slice(0, 500)).toBe(0);
        const jobs = byName(r.json, "Job");
        expect(jobs.size).toBe(cfg.jobs.length);
        // bdirjson lists resources sorted by name, not in file order.
        expect(resourcesOf(r.json, "Pool").map((p) => p.Name as string).sort()).toEqual(cfg.pools.map((p) => p.name).sort());
        expect((r.json as unknown[]).length).toBe(1 + 1 + 1 + cfg.pools.length + cfg.clients.length + cfg.filesets.length + 1 + cfg.jobs.length);
        const clients = byName(r.json, "Client");
        const filesets = byName(r.json, "Fileset");
        for (let i = 0; i < n; i++) {
          const j = jobs.get(`Probe${i}`)!;
          expect(j).toBeDefined();
          for (const k of Object.keys(j)) expect(JOB_KEYS.has(k), `unexpected key ${k}`).toBe(true);
          // Empty strings are not printed by bdirjson.
          const d = at("description", i, (v) => v);
          if (d) expect(j.Description).toBe(d);
          const sp = at("selectionPattern", i, (v) => v);
          if (sp) expect(j.SelectionPattern).toBe(sp);
          const cmd = at("runScripts[0].command", i, (v) => v);
          if (cmd) expect((j.Runscript as J[])[0].Command).toBe(cmd);
          const run = at("run", i, (v) => [v]);
          if (run) expect(j.Run).toEqual(run);
        }
        const baseKeys = Object.keys(clients.get("client1-fd")!).sort();
        ok.get("password")!.forEach((v, i) => {
          expect(Object.keys(clients.get(`ProbeClient${i}`)!).sort()).toEqual(baseKeys);
          expect(clients.get(`ProbeClient${i}`)!.Password).toBe(v);
        });
        ok.get("include[0]")!.forEach((v, i) => expect((filesets.get(`ProbeSet${i}`)!.Include as J[])[0].File).toEqual([v]));
      }),
      { numRuns: 60 },
    );
    expect(accepted).toBeGreaterThan(60);
    expect(refused).toBeGreaterThan(20);
  });
});

it("the typed Job keys cover every field the property test fills, and the table rows are the renderer's", () => {
  const keys = typedKeys("Job").list.map((k) => k.key);
  for (const k of ["description", "selectionPattern", "run"]) expect(keys).toContain(k);
  for (const f of FIELDS.slice(0, 3)) expect(typedKeys("Job").list.find((k) => k.key === f.field)?.def).toBe(f.def);
});
