/**
 * The 15.0 tables proven against Debian's Bacula 15.0.3 (bdirjson, bsdjson, bfdjson, bbconsjson).
 *
 * For each daemon the test writes configs that set every resource type and every directive the
 * table says 15.0 has to a sample value of its store, with every listed 15.0 value of every
 * keyword directive used at least once (one resource instance per value index, sub-blocks
 * included), and asserts that Bacula accepts them. It also reads Bacula's JSON view of the main
 * instances to check that each directive shows under the key the table says. And it asserts that
 * Bacula refuses what the table leaves out: made-up keywords, enterprise rows, excluded values.
 *
 * FAILS (does not skip) when the binaries are missing.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { directivesFor, normalizeKeyword, resourcesFor, SCHEDULE_TIME_KEYWORDS, TABLES, valuesFor } from "./index";
import type { BlockDef, Daemon, DirectiveDef, ResourceDef } from "./types";

const VERSION = "15.0.3";

const TOOLS: Record<Daemon, string> = {
  dir: "/usr/sbin/bdirjson",
  sd: "/usr/sbin/bsdjson",
  fd: "/usr/sbin/bfdjson",
  console: "/usr/sbin/bbconsjson",
};

let tmp: string;
let work: string;
let fileNo = 0;

beforeAll(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), "bacula-tables-"));
  work = path.join(tmp, "work");
  mkdirSync(work);
});
afterAll(() => {
  // BACULA_TABLES_KEEP=1 keeps the generated configs for a look.
  if (process.env.BACULA_TABLES_KEEP) console.log(`configs kept in ${tmp}`);
  else if (tmp) rmSync(tmp, { recursive: true, force: true });
});

interface Run {
  code: number;
  out: string;
  file: string;
}

function run(daemon: Daemon, text: string, test = true): Run {
  const bin = TOOLS[daemon];
  if (!existsSync(bin)) throw new Error(`${bin} not found: install Debian's bacula 15.0.3 (bookworm-backports)`);
  const file = path.join(tmp, `${daemon}-${++fileNo}.conf`);
  writeFileSync(file, text, "utf8");
  const r = spawnSync(bin, [...(test ? ["-t"] : []), "-c", file], { timeout: 30_000, maxBuffer: 64 << 20 });
  if (r.error) throw r.error;
  return { code: r.status ?? -1, out: new TextDecoder().decode(r.stdout) + new TextDecoder().decode(r.stderr), file };
}

/** The first lines of Bacula's complaint, plus the offending line of the config. */
function explain(r: Run, text: string): string {
  const m = /line (\d+), col/.exec(r.out);
  const line = m ? text.split("\n")[Number(m[1]) - 1] : undefined;
  return `${r.out.split("\n").slice(0, 6).join("\n")}\n--> ${line ?? "?"}`;
}

// ---------------------------------------------------------------------------------------------
// Sample values

/** Every referenced resource is defined under this name in the base configs. */
const REF = "Ref";

/** Samples for particular directives, by `Resource.Directive` or `Directive` (first match wins). */
function override(daemon: Daemon, res: string, def: DirectiveDef): string | undefined {
  const dirPath = () => `"${work}"`;
  const table: Record<string, string | (() => string)> = {
    // directories Bacula checks at start-up
    WorkingDirectory: dirPath,
    PidDirectory: dirPath,
    "Device.ArchiveDevice": dirPath,
    "Device.AlignedDevice": dirPath,
    "Device.SpoolDirectory": dirPath,
    "Director.DirAddress": "127.0.0.1",
    "Director.DirSourceAddress": "127.0.0.1",
    "FileDaemon.FdAddress": "127.0.0.1",
    "FileDaemon.FdSourceAddress": "127.0.0.1",
    "Storage.SdAddress": "127.0.0.1",
    // a second Job (clone) to start with this one
    "Job.Run": `"${REF} level=%l"`,
    "JobDefs.Run": `"${REF} level=%l"`,
    // option letters
    "Options.BaseJob": `"pmugs"`,
    "Options.Accurate": `"mcs"`,
    "Options.Verify": `"pins5"`,
    "Options.StripPath": "1",
    "Options.Regex": `"[.]tmp$"`,
    "Options.RegexDir": `"^/tmp/x$"`,
    "Options.RegexFile": `"[.]o$"`,
    "Options.Wild": `"*.tmp"`,
    "Options.WildDir": `"/tmp/*"`,
    "Options.WildFile": `"*.o"`,
    "Options.Plugin": `"bpipe"`,
    "Options.FsType": `"ext4", "xfs"`,
    "Options.DriveType": `"fixed"`,
    "Include.Plugin": `"bpipe:/var/x.dump:/bin/true:/bin/true"`,
    "Include.ExcludeDirContaining": `".nobackup"`,
    "Runscript.Console": `"status director"`,
    "Runscript.RunsOnClient": "no",
    // the JSON view prints these only when they differ from the block's defaults
    "Runscript.RunsOnFailure": "yes",
    "Runscript.Timeout": "30",
    "Cloud.HostName": `"s3.example.com"`,
  };
  const v = table[`${res}.${def.name}`] ?? table[def.name];
  void daemon;
  return typeof v === "function" ? v() : v;
}

function sampleByStore(def: DirectiveDef, k: number): string {
  const vals = def.values ? valuesFor(def, VERSION) : [];
  if (vals.length) return vals[k % vals.length]!;
  switch (def.store) {
    case "str":
    case "strname":
      return `"sample"`;
    case "dir":
      return `"${work}"`;
    case "password":
      return `"secret"`;
    case "res":
    case "alist_res":
    case "ac_res":
    case "device":
    case "defs":
      return `"${REF}"`;
    case "alist_str":
    case "alist_dir":
      return `"a", "b"`;
    case "acl":
      return `"*all*"`;
    case "int32":
    case "pint32":
    case "int64":
      return "5";
    case "size32":
      return "4096";
    case "maxblocksize":
      return "65536";
    case "size64":
      return "10 MB";
    case "speed":
      return "1 mb/s";
    case "time":
      return "1 hour";
    case "bool":
    case "bit":
    case "runscript_bool":
      return "no";
    case "addresses":
      return "{ ip = { addr = 127.0.0.1; port = 9199; } ipv4 = { addr = 127.0.0.2; port = 9198; } ipv6 = { addr = ::1; port = 9197; } }";
    case "addresses_address":
      return "127.0.0.1";
    case "addresses_port":
      return "9199";
    case "msgs":
      return def.destination === "list"
        ? `"root@localhost" = all, !skipped`
        : def.destination === "one"
          ? `"${work}/log" = all`
          : "all";
    case "run":
      return "Full sun at 02:05";
    case "runres":
      return "sun at 02:05";
    case "short_runscript":
    case "runscript_cmd":
      return `"/bin/true"`;
    case "runscript_int":
      return "30";
    case "runscript_target":
      return "no";
    case "fname":
      return `"/tmp"`;
    case "plugin_name":
    case "plugin":
      return `"bpipe"`;
    case "excludedir":
      return `".nobackup"`;
    case "lopts":
    case "regex":
    case "wild":
    case "base":
      return `"${REF}"`;
    case "fstype":
    case "drivetype":
      return `"sample"`;
    default:
      throw new Error(`no sample for store ${def.store} (${def.name})`);
  }
}

/** Extra lines a repeatable directive gets besides its sample, to cover its other forms. */
function extraLines(res: string, def: DirectiveDef): string[] {
  if (def.store === "run") {
    // Every Run override keyword at once.
    return [
      `Level=Incremental Pool=${REF} FullPool=${REF} IncrementalPool=${REF} DifferentialPool=${REF} ` +
        `NextPool=${REF} Storage=${REF} Messages=${REF} Priority=5 SpoolData=yes WritePartAfterJob=yes ` +
        `MaxRunSchedTime="1 hour" Accurate=yes 1st mon-fri jan-dec at 1:30pm`,
      "Differential lastday w01-w52 at 23:59",
    ];
  }
  if (def.store === "runres") return [`MaxConnectTime="10 min" daily at 06:00`];
  void res;
  return [];
}

// ---------------------------------------------------------------------------------------------
// Rendering

/** How many instances a resource needs so that every 15.0 value of every keyword directive is used. */
function variantCount(owner: ResourceDef | BlockDef): number {
  let n = 1;
  for (const def of directivesFor(owner, VERSION)) {
    if (def.values) n = Math.max(n, valuesFor(def, VERSION).length);
    if (def.block) n = Math.max(n, variantCount(def.block));
  }
  return n;
}

interface RenderOpts {
  /** Value index for keyword directives. */
  k: number;
  /** Directive names to leave out (they go into another instance). */
  skip: ReadonlySet<string>;
  /** When set, write only these (plus required ones). */
  only?: ReadonlySet<string>;
}

function renderBody(daemon: Daemon, ownerName: string, owner: ResourceDef | BlockDef, o: RenderOpts, indent: string, name?: string): string[] {
  const lines: string[] = [];
  for (const def of directivesFor(owner, VERSION)) {
    if (def.name === "Name" && "name" in owner) {
      lines.push(`${indent}Name = "${name}"`);
      continue;
    }
    if (o.skip.has(`${ownerName}.${def.name}`)) continue;
    if (o.only && !o.only.has(`${ownerName}.${def.name}`) && !def.required && !def.requiredUnless) continue;
    if (def.block) {
      lines.push(`${indent}${def.name} {`);
      lines.push(...renderBody(daemon, def.name, def.block, o, indent + "  "));
      lines.push(`${indent}}`);
      continue;
    }
    const value = (def.values ? undefined : override(daemon, ownerName, def)) ?? sampleByStore(def, o.k);
    lines.push(`${indent}${def.name} = ${value}`);
    if (def.repeatable) for (const extra of extraLines(ownerName, def)) lines.push(`${indent}${def.name} = ${extra}`);
  }
  return lines;
}

function renderResource(daemon: Daemon, res: ResourceDef, name: string, o: RenderOpts): string {
  return [`${res.name} {`, ...renderBody(daemon, res.name, res, o, "  ", name), "}"].join("\n");
}

// ---------------------------------------------------------------------------------------------
// Per daemon: minimal resources the generated ones refer to, and directives that cannot share
// one resource (they go into a second instance, or a second file for single resources).

interface DaemonFixture {
  /** Minimal resources named REF (and the single resource when it is not generated), by type. */
  base: () => Record<string, string>;
  /** `Resource.Directive` pairs written in a separate instance only. */
  apart: readonly string[];
}

const FIXTURES: Record<Daemon, DaemonFixture> = {
  dir: {
    base: () => ({
      Director: `Director {\n  Name = "bdir"\n  Password = "p"\n  QueryFile = "${work}/query.sql"\n  WorkingDirectory = "${work}"\n  PidDirectory = "${work}"\n  Messages = "${REF}"\n}`,
      Messages: `Messages {\n  Name = "${REF}"\n  Console = all\n}`,
      Catalog: `Catalog {\n  Name = "${REF}"\n  DbName = "bacula"\n}`,
      Console: `Console {\n  Name = "${REF}"\n  Password = "p"\n}`,
      Storage: `Storage {\n  Name = "${REF}"\n  Address = "localhost"\n  Password = "p"\n  Device = "${REF}"\n  MediaType = "File"\n}`,
      Pool: `Pool {\n  Name = "${REF}"\n  PoolType = Backup\n  Storage = "${REF}"\n}`,
      Client: `Client {\n  Name = "${REF}"\n  Address = "localhost"\n  Password = "p"\n  Catalog = "${REF}"\n}`,
      Fileset: `Fileset {\n  Name = "${REF}"\n  Include {\n    File = "/etc"\n  }\n}`,
      Schedule: `Schedule {\n  Name = "${REF}"\n  Run = Full sun at 01:00\n}`,
      JobDefs: `JobDefs {\n  Name = "${REF}"\n  Type = Backup\n  Messages = "${REF}"\n  Pool = "${REF}"\n  Client = "${REF}"\n  Fileset = "${REF}"\n}`,
      Job: `Job {\n  Name = "${REF}"\n  JobDefs = "${REF}"\n}`,
      Counter: `Counter {\n  Name = "${REF}"\n}`,
      Statistics: "",
      Tenant: "",
    }),
    // Old-style DirAddress/DirPort and the DirAddresses block do not mix.
    apart: ["Director.DirAddresses"],
  },
  sd: {
    base: () => ({
      Storage: `Storage {\n  Name = "bsd"\n  WorkingDirectory = "${work}"\n  PidDirectory = "${work}"\n}`,
      Director: `Director {\n  Name = "${REF}"\n  Password = "p"\n}`,
      Messages: `Messages {\n  Name = "${REF}"\n  Director = "${REF}" = all\n}`,
      Device: `Device {\n  Name = "${REF}"\n  MediaType = "File"\n  ArchiveDevice = "${work}"\n  DeviceType = File\n}`,
      Autochanger: "",
      Cloud: `Cloud {\n  Name = "${REF}"\n  Driver = S3\n  HostName = "s3.example.com"\n  BucketName = "b"\n  AccessKey = "a"\n  SecretKey = "s"\n}`,
      Statistics: "",
    }),
    apart: ["Storage.SdAddresses"],
  },
  fd: {
    base: () => ({
      FileDaemon: `FileDaemon {\n  Name = "bfd"\n  WorkingDirectory = "${work}"\n  PidDirectory = "${work}"\n}`,
      Director: `Director {\n  Name = "${REF}"\n  Password = "p"\n}`,
      Messages: `Messages {\n  Name = "${REF}"\n  Director = "${REF}" = all\n}`,
      Console: `Console {\n  Name = "${REF}"\n  Password = "p"\n}`,
      Schedule: `Schedule {\n  Name = "${REF}"\n}`,
      Statistics: "",
    }),
    apart: ["FileDaemon.FdAddresses"],
  },
  console: {
    base: () => ({
      Director: `Director {\n  Name = "${REF}"\n  Address = "localhost"\n  Password = "p"\n}`,
      Console: "",
    }),
    apart: [],
  },
};

interface JsonCheck {
  res: ResourceDef;
  name: string;
  /** Check only these directives (an instance made of directives kept apart). */
  only?: ReadonlySet<string>;
}

interface Generated {
  /** Config files (texts) that must all pass -t. */
  files: string[];
  /** Per file (by index): the generated instances whose JSON view is checked. */
  checks: Map<number, JsonCheck[]>;
  /** Directives written at least once (as `Resource.Directive`, sub-blocks as `Resource.Block.Directive`). */
  written: Set<string>;
  /** Keyword values written at least once (`Resource.Directive=Value`). */
  valuesWritten: Set<string>;
}

function generate(daemon: Daemon): Generated {
  const fx = FIXTURES[daemon];
  const apart = new Set(fx.apart);
  const none = new Set<string>();
  const resources = resourcesFor(daemon, VERSION);
  const files: string[] = [];
  const checks = new Map<number, JsonCheck[]>();
  const check = (file: number, c: JsonCheck) => checks.set(file, [...(checks.get(file) ?? []), c]);
  const written = new Set<string>();
  const valuesWritten = new Set<string>();

  const note = (res: ResourceDef, text: string) => {
    // Record what the rendered text sets (directive names appear as `Name =` or `Name {`).
    const walk = (owner: ResourceDef | BlockDef, prefix: string) => {
      for (const def of directivesFor(owner, VERSION)) {
        const re = new RegExp(`^\\s*${def.name}\\s*(=\\s*(.*)|\\{)$`, "gm");
        for (const m of text.matchAll(re)) {
          written.add(`${prefix}.${def.name}`);
          if (def.values && m[2]) valuesWritten.add(`${prefix}.${def.name}=${m[2].trim()}`);
        }
        if (def.block) walk(def.block, `${prefix}.${def.name}`);
      }
    };
    walk(res, res.name);
  };

  const singles = resources.filter((r) => r.single);
  const others = resources.filter((r) => !r.single);
  const base = fx.base();
  const count = Math.max(...singles.map((r) => variantCount(r)), 1);

  for (let k = 0; k < count; k++) {
    const parts: string[] = [];
    for (const res of singles) {
      const text = renderResource(daemon, res, `${res.name}_${k}`, { k, skip: apart });
      parts.push(text);
      note(res, text);
      if (k === 0) check(0, { res, name: `${res.name}_${k}` });
    }
    for (const res of others) {
      if (base[res.name]) parts.push(base[res.name]!);
      if (k > 0) continue;
      const n = variantCount(res);
      for (let j = 0; j < n; j++) {
        const text = renderResource(daemon, res, `T_${res.name}_${j}`, { k: j, skip: apart });
        parts.push(text);
        note(res, text);
        if (j === 0) check(0, { res, name: `T_${res.name}_${j}` });
      }
      const only = new Set([...apart].filter((a) => a.startsWith(`${res.name}.`)));
      if (only.size) {
        const text = renderResource(daemon, res, `T_${res.name}_apart`, { k: 0, skip: none, only });
        parts.push(text);
        note(res, text);
        if (k === 0) check(0, { res, name: `T_${res.name}_apart`, only });
      }
    }
    files.push(parts.join("\n\n") + "\n");
  }
  // Single resources with directives that must be apart: one more file.
  for (const res of singles) {
    const only = new Set([...apart].filter((a) => a.startsWith(`${res.name}.`)));
    if (!only.size) continue;
    const text = renderResource(daemon, res, `${res.name}_apart`, { k: 0, skip: none, only });
    note(res, text);
    const parts = [text, ...others.map((r) => base[r.name]).filter((t): t is string => !!t)];
    check(files.length, { res, name: `${res.name}_apart`, only });
    files.push(parts.join("\n\n") + "\n");
  }
  return { files, checks, written, valuesWritten };
}

/** Every `Resource.Directive` (and value) the 15.0 table has, as `generate` records them. */
function expected(daemon: Daemon): { directives: string[]; values: string[] } {
  const directives: string[] = [];
  const values: string[] = [];
  const walk = (owner: ResourceDef | BlockDef, prefix: string) => {
    for (const def of directivesFor(owner, VERSION)) {
      directives.push(`${prefix}.${def.name}`);
      for (const v of def.values ? valuesFor(def, VERSION) : []) values.push(`${prefix}.${def.name}=${v}`);
      if (def.block) walk(def.block, `${prefix}.${def.name}`);
    }
  };
  for (const r of resourcesFor(daemon, VERSION)) walk(r, r.name);
  return { directives, values };
}

// ---------------------------------------------------------------------------------------------

type Json = Record<string, unknown>;

/** The bodies of one resource type in Bacula's JSON view. */
function jsonResources(json: unknown, type: string): Json[] {
  if (!Array.isArray(json)) return [];
  return json.filter((r): r is Record<string, Json> => !!r && typeof r === "object" && type in r).map((r) => r[type]!);
}

/**
 * Directives whose JSON key is not `name` for reasons of the JSON writer rather than the table:
 * defaults that are not printed, address stores without a presence bit, bools printed only when
 * yes... Listed so that everything else is checked strictly.
 */
const JSON_NOT_SHOWN = new Set<string>([]);

/** The keys of a sub-block's JSON (an object or a list of objects), checked like a resource's. */
function checkBlock(block: BlockDef, value: unknown, id: string): string[] {
  const entries = (Array.isArray(value) ? value : [value]).filter((x): x is Json => !!x && typeof x === "object");
  const keys = new Set(entries.flatMap((e) => Object.keys(e)));
  const problems: string[] = [];
  for (const def of directivesFor(block, VERSION)) {
    const key = def.jsonKey === undefined ? def.name : def.jsonKey;
    if (key === null) {
      if (keys.has(def.name)) problems.push(`${id}.${def.name}: shown, table says hidden`);
    } else if (!keys.has(key)) {
      problems.push(`${id}.${def.name}: no "${key}" in JSON`);
    } else if (def.block) {
      problems.push(...checkBlock(def.block, entries.find((e) => key in e)?.[key], `${id}.${def.name}`));
    }
  }
  return problems;
}

const counts: Record<string, number> = {};

for (const daemon of ["dir", "sd", "fd", "console"] as const) {
  describe(`${daemon}: the 15.0 table against ${path.basename(TOOLS[daemon])} ${VERSION}`, () => {
    let gen: Generated;
    beforeAll(() => {
      gen = generate(daemon);
    });

    it("accepts every resource type and directive with a sample value, and every listed value", () => {
      for (const text of gen.files) {
        const r = run(daemon, text);
        expect(r.code, explain(r, text)).toBe(0);
      }
      const want = expected(daemon);
      expect(want.directives.filter((x) => !gen.written.has(x))).toEqual([]);
      expect(want.values.filter((x) => !gen.valuesWritten.has(x))).toEqual([]);
      counts[daemon] = want.directives.length;
      console.log(
        `${daemon}: ${resourcesFor(daemon, VERSION).length} resource types, ${want.directives.length} directives ` +
          `(sub-blocks included) and ${want.values.length} values accepted by ${path.basename(TOOLS[daemon])} in ${gen.files.length} files`,
      );
    });

    it("shows each directive in the JSON view under the key the table says", () => {
      const problems: string[] = [];
      for (const [index, list] of gen.checks) {
        const text = gen.files[index]!;
        const r = run(daemon, text, false);
        expect(r.code, explain(r, text)).toBe(0);
        // bfdjson 15.0.3 leaves a trailing comma after an FD Console's TlsAllowedCn (it prints no value).
        const json: unknown = JSON.parse(r.out.slice(r.out.indexOf("[")).replace(/,\}/g, "}"));
        for (const { res, name, only } of list) {
          const body = jsonResources(json, res.name).find((b) => b.Name === name);
          if (!body) {
            problems.push(`${res.name} ${name}: not in JSON`);
            continue;
          }
          for (const def of directivesFor(res, VERSION)) {
            const id = `${daemon}:${res.name}.${def.name}`;
            if (only ? !only.has(`${res.name}.${def.name}`) : FIXTURES[daemon].apart.includes(`${res.name}.${def.name}`)) continue;
            if (JSON_NOT_SHOWN.has(id)) {
              if (def.name in body) problems.push(`${id}: shown, the test says the JSON view omits it`);
              continue;
            }
            const key = def.jsonKey === undefined ? def.name : def.jsonKey;
            if (key === null) {
              if (def.name in body) problems.push(`${id}: shown, table says hidden`);
            } else if (key === "Destinations") {
              const dests = (body.Destinations ?? []) as Json[];
              if (!dests.some((x) => x.Type === def.name)) problems.push(`${id}: no destination of Type ${def.name}`);
            } else if (!(key in body)) {
              problems.push(`${id}: no "${key}" in JSON`);
            } else if (def.block) {
              problems.push(...checkBlock(def.block, body[key], id));
            }
          }
        }
      }
      expect(problems).toEqual([]);
    });

    it("refuses a made-up keyword (so this test can fail)", () => {
      const text = gen.files[0]!.replace(/\n(\s+)Name = "([^"]+)"\n/, '\n$1Name = "$2"\n$1NoSuchDirectiveXyz = 1\n');
      expect(text).toContain("NoSuchDirectiveXyz");
      const r = run(daemon, text);
      expect(r.code).toBe(1);
      expect(r.out).toContain("NoSuchDirectiveXyz");
    });
  });
}

describe("aliases against the 15.0.3 binaries", () => {
  const baseText = (daemon: Daemon, except?: string) =>
    Object.entries(FIXTURES[daemon].base())
      .filter(([type, t]) => t && type !== except)
      .map(([, t]) => t)
      .join("\n\n") + "\n";

  /** A resource with its required directives, `def` written under `alias`. */
  const withAlias = (daemon: Daemon, res: ResourceDef, def: DirectiveDef, alias: string, name: string) => {
    const lines = renderBody(daemon, res.name, res, { k: 0, skip: new Set([`${res.name}.${def.name}`]), only: new Set() }, "  ", name);
    const value = override(daemon, res.name, def) ?? sampleByStore(def, 0);
    return [`${res.name} {`, ...lines, `  ${alias} = ${value}`, "}"].join("\n");
  };

  for (const daemon of ["dir", "sd", "fd", "console"] as const) {
    const cases = resourcesFor(daemon, VERSION).flatMap((res) =>
      directivesFor(res, VERSION).flatMap((def) => (def.aliases ?? []).map((alias) => ({ res, def, alias }))),
    );
    if (!cases.length) continue;
    it(`${daemon}: every directive alias stores into its directive (an alias does not satisfy ITEM_REQUIRED)`, () => {
      const accepted = cases.filter((c) => !c.def.required);
      const text =
        baseText(daemon) + accepted.map((c, i) => withAlias(daemon, c.res, c.def, c.alias, `A_${i}`)).join("\n\n") + "\n";
      const r = run(daemon, text);
      expect(r.code, explain(r, text)).toBe(0);
      const json: unknown = JSON.parse(run(daemon, text, false).out.replace(/^[^[]*/, ""));
      accepted.forEach((c, i) => {
        const body = jsonResources(json, c.res.name).find((b) => b.Name === `A_${i}`)!;
        const shown = c.def.name in body || c.alias in body;
        expect(shown, `${c.res.name}.${c.alias} -> ${c.def.name}`).toBe(!c.def.jsonHiddenAliases?.includes(c.alias));
      });
      for (const c of cases.filter((x) => x.def.required)) {
        const t = baseText(daemon) + withAlias(daemon, c.res, c.def, c.alias, "A_req") + "\n";
        const rr = run(daemon, t);
        expect(rr.code, `${c.res.name}.${c.alias} satisfied ${c.def.name}`).toBe(1);
        expect(rr.out).toContain(`"${c.def.name}" directive is required`);
      }
    });
  }

  it("dir: RunScript Target and AbortJobOnError are the RunsOnClient and FailJobOnError keywords", () => {
    const job = (name: string, line: string) =>
      `Job {\n  Name = "${name}"\n  JobDefs = "${REF}"\n  Runscript {\n    RunsWhen = Before\n    ${line}\n    Command = "/bin/true"\n  }\n}`;
    const text = baseText("dir") + [job("A_t", "Target = no"), job("A_a", "AbortJobOnError = no")].join("\n\n") + "\n";
    const r = run("dir", text);
    expect(r.code, explain(r, text)).toBe(0);
    const twice = baseText("dir") + job("A_2", "Target = no\n    RunsOnClient = no").replace("RunsWhen", "FailJobOnError = no\n    AbortJobOnError = no\n    RunsWhen") + "\n";
    expect(run("dir", twice).code).toBe(0); // block items overwrite silently: no redefinition error
  });

  it("resource aliases: Autochanger is a Director Storage, Client is the FileDaemon", () => {
    const ac = baseText("dir") + FIXTURES.dir.base().Storage!.replace("Storage {", "Autochanger {").replace(`"${REF}"`, '"AC"') + "\n";
    const r = run("dir", ac, false);
    expect(r.code, explain(r, ac)).toBe(0);
    expect(jsonResources(JSON.parse(r.out.replace(/^[^[]*/, "")), "Storage").map((b) => b.Name)).toContain("AC");
    const fd = baseText("fd", "FileDaemon") + FIXTURES.fd.base().FileDaemon!.replace("FileDaemon {", "Client {") + "\n";
    const f = run("fd", fd, false);
    expect(f.code, explain(f, fd)).toBe(0);
    expect(jsonResources(JSON.parse(f.out.replace(/^[^[]*/, "")), "FileDaemon").map((b) => b.Name)).toEqual(["bfd"]);
  });
});

describe("resource types: required ones, single ones", () => {
  /** The base config of a daemon with only the resource types the table marks required. */
  const requiredOnly = (daemon: Daemon): Record<string, string> => {
    const base = FIXTURES[daemon].base();
    const req = new Set(resourcesFor(daemon, VERSION).filter((r) => r.required).map((r) => r.name));
    const out: Record<string, string> = {};
    for (const [type, text] of Object.entries(base)) if (req.has(type) && text) out[type] = text;
    // The base Job takes its required rows from a JobDefs, which is optional: spell them out.
    if (daemon === "dir")
      out.Job = `Job {\n  Name = "${REF}"\n  Type = Backup\n  Messages = "${REF}"\n  Pool = "${REF}"\n  Client = "${REF}"\n  Fileset = "${REF}"\n}`;
    return out;
  };
  const join = (parts: Record<string, string>) => Object.values(parts).join("\n\n") + "\n";

  for (const daemon of ["dir", "sd", "fd", "console"] as const) {
    it(`${daemon}: accepts the required resource types alone, refuses a config without any one of them`, () => {
      const parts = requiredOnly(daemon);
      const r = run(daemon, join(parts));
      expect(r.code, explain(r, join(parts))).toBe(0);
      for (const type of Object.keys(parts)) {
        const { [type]: _gone, ...rest } = parts;
        expect(run(daemon, join(rest)).code, `${daemon} without ${type}`).toBe(1);
      }
      for (const res of TABLES[daemon].resources.filter((x) => x.single)) {
        const twice = join(parts) + "\n" + parts[res.name]!.replace(/Name = "[^"]+"/, 'Name = "Second"') + "\n";
        const t = run(daemon, twice);
        expect(t.code, `two ${res.name}`).toBe(1);
        expect(t.out).toContain(`Only one ${res.name === "FileDaemon" ? "Client" : res.name} resource`);
      }
    });
  }
});

describe("keyword spelling and repeats, as the tables and normalizeKeyword describe them", () => {
  const dir = (jobLines: string) =>
    Object.values(FIXTURES.dir.base()).filter(Boolean).join("\n\n") +
    `\n\nJob {\n  Name = "K"\n  JobDefs = "${REF}"\n${jobLines}\n}\n`;

  it("matches keywords case-insensitively, ignoring blanks inside them", () => {
    const r = run("dir", dir(`  maximum Concurrent \tJOBS = 3\n  Spool  Attributes = yes`));
    expect(r.code, r.out).toBe(0);
    expect(normalizeKeyword("maximum Concurrent \tJOBS")).toBe(normalizeKeyword("MaximumConcurrentJobs"));
  });
  it("does not take a digit or an underscore inside a keyword", () => {
    expect(run("dir", dir("  Maximum_Concurrent_Jobs = 3")).code).toBe(1);
  });
  it("keeps the last of repeated number/bool lines, refuses a repeated string or resource line", () => {
    expect(run("dir", dir("  MaximumConcurrentJobs = 3\n  MaximumConcurrentJobs = 4\n  SpoolData = yes\n  SpoolData = no")).code).toBe(0);
    expect(run("dir", dir(`  Description = "a"\n  Description = "b"`)).code).toBe(1);
    expect(run("dir", dir(`  Schedule = "${REF}"\n  Schedule = "${REF}"`)).code).toBe(1);
    expect(run("dir", dir(`  Storage = "${REF}"\n  Storage = "${REF}"\n  Run = "a"\n  Run = "b"`)).code).toBe(0);
  });
  it("accepts every schedule time keyword in Director Run and File Daemon Connect lines", () => {
    const spec = (kw: string) =>
      kw === "at" ? "at 01:00" : kw === "on" ? "on mon at 01:00" : kw === "hourly" ? "hourly at 0:05" : `${kw} at 01:00`;
    const runs = SCHEDULE_TIME_KEYWORDS.map((kw) => `  Run = Full ${spec(kw)}`).join("\n");
    const text = Object.values(FIXTURES.dir.base()).filter(Boolean).join("\n\n") + `\n\nSchedule {\n  Name = "S"\n${runs}\n}\n`;
    const r = run("dir", text);
    expect(r.code, explain(r, text)).toBe(0);
    const connects = SCHEDULE_TIME_KEYWORDS.map((kw) => `  Connect = ${spec(kw)}`).join("\n");
    const fd = Object.values(FIXTURES.fd.base()).filter(Boolean).join("\n\n") + `\n\nSchedule {\n  Name = "S"\n${connects}\n}\n`;
    const f = run("fd", fd);
    expect(f.code, explain(f, fd)).toBe(0);
    expect(run("dir", text.replace("Run = Full at 01:00", "Run = Full noday at 01:00")).code).toBe(1);
  });
});

/** Edits of a generated file that Bacula must refuse, for rows and values the table leaves out. */
const REFUSED: { daemon: Daemon; what: string; res: string; line: string; message?: string }[] = [
  // Branch-15.0 spells it LastBackupedTo; Debian's 15.0.3 does not accept that spelling.
  { daemon: "dir", what: "StorageGroupPolicy LastBackupedTo", res: "Pool", line: "StorageGroupPolicy = LastBackupedTo", message: "Invalid storage policy" },
  { daemon: "dir", what: "RunsWhen Never", res: "Job", line: "Runscript {\n    RunsWhen = Never\n    Command = \"/bin/true\"\n  }" },
  { daemon: "dir", what: "Compression zstd2", res: "Fileset", line: "Include {\n    File = /tmp\n    Options {\n      Compression = zstd2\n    }\n  }" },
  { daemon: "dir", what: "Exclude { Plugin }", res: "Fileset", line: "Exclude {\n    Plugin = \"bpipe\"\n  }" },
  { daemon: "dir", what: "enterprise Director FipsRequire", res: "Director", line: "FipsRequire = no" },
  { daemon: "dir", what: "enterprise Pool MaximumPoolBytes", res: "Pool", line: "MaximumPoolBytes = 1 GB" },
  { daemon: "dir", what: "the Director's Device resource", res: "", line: "Device {\n  Name = \"X\"\n}" },
  { daemon: "sd", what: "enterprise Cloud Driver Azure", res: "Cloud", line: "Driver = Azure" },
  { daemon: "sd", what: "dedup Storage DedupDirectory", res: "Storage", line: "DedupDirectory = \"/tmp\"" },
  { daemon: "sd", what: "dedup Device Type Dedup", res: "Device", line: "DeviceType = Dedup" },
  { daemon: "sd", what: "dedup Dedupengine resource", res: "", line: "Dedupengine {\n  Name = \"X\"\n}" },
  { daemon: "fd", what: "enterprise FileDaemon FipsRequire", res: "FileDaemon", line: "FipsRequire = no" },
  { daemon: "fd", what: "PkiDigest xxh3_64", res: "FileDaemon", line: "PkiDigest = xxh3_64" },
  { daemon: "console", what: "enterprise Console FipsRequire", res: "Console", line: "FipsRequire = no" },
];

describe("Bacula 15.0.3 refuses what the tables leave out", () => {
  const minimal: Partial<Record<Daemon, string>> = {};
  const text = (daemon: Daemon) => {
    minimal[daemon] ??= Object.values(FIXTURES[daemon].base()).filter(Boolean).join("\n\n") + "\n";
    return minimal[daemon]!;
  };
  it("accepts the minimal configs the cases below edit", () => {
    for (const daemon of ["dir", "sd", "fd", "console"] as const) {
      const t = text(daemon) + (daemon === "console" ? `\nConsole {\n  Name = "c"\n  Password = "p"\n}\n` : "");
      const r = run(daemon, t);
      expect(r.code, explain(r, t)).toBe(0);
    }
  });
  for (const c of REFUSED) {
    it(`${c.daemon}: ${c.what}`, () => {
      let t = text(c.daemon);
      if (c.daemon === "console" && c.res === "Console") t += `\nConsole {\n  Name = "c"\n  Password = "p"\n}\n`;
      if (!c.res) {
        t += `\n${c.line}\n`;
      } else {
        const at = t.search(new RegExp(`^${c.res} \\{\\n  Name = "[^"]+"\\n`, "m"));
        expect(at, `no ${c.res} in the minimal config`).toBeGreaterThanOrEqual(0);
        const nl = t.indexOf("\n", t.indexOf("Name =", at));
        t = `${t.slice(0, nl + 1)}  ${c.line}\n${t.slice(nl + 1)}`;
      }
      const r = run(c.daemon, t);
      expect(r.code, `${c.what} was accepted:\n${t}`).toBe(1);
      if (c.message) expect(r.out).toContain(c.message);
    });
  }
  it("accepts a lower-case policy in the parser (the runtime then ignores it: the table keeps it out)", () => {
    const t = text("dir").replace(`PoolType = Backup\n`, `PoolType = Backup\n  StorageGroupPolicy = leastused\n`);
    expect(run("dir", t).code).toBe(0);
  });
});

afterAll(() => {
  if (Object.keys(counts).length) console.log("directives checked against the binaries:", JSON.stringify(counts));
});

// Keep TABLES referenced for readers jumping here from index.ts.
void TABLES;
