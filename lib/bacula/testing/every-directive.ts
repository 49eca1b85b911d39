/**
 * Test support: configs that use every directive of a daemon's 15.0 table at least once.
 *
 * For a daemon and a working directory (which must exist: Bacula checks WorkingDirectory,
 * PidDirectory, ArchiveDevice... at start-up), `generateEveryDirective` writes config texts that set
 * every resource type and every directive the table says 15.0 has to a sample value of its store,
 * with every listed 15.0 value of every keyword directive used at least once (one resource
 * instance per value index, sub-blocks included). Directives that cannot share a resource with
 * others (old-style DirAddress/DirPort against a DirAddresses block) go into a separate instance,
 * or a separate file for single resources. Each file is a complete config: minimal resources named
 * `REF` satisfy every reference.
 *
 * Used by lib/bacula/tables/tables.real.test.ts (Bacula 15.0.3 accepts all of it) and by
 * lib/config/every-directive-fidelity.test.ts (import -> database -> render keeps all of it).
 * Pure: returns texts, writes nothing.
 */
import { directivesFor, resourcesFor, valuesFor } from "../tables";
import type { BlockDef, Daemon, DirectiveDef, ResourceDef } from "../tables/types";

/** The Bacula version whose tables the generated configs cover. */
export const EVERY_DIRECTIVE_VERSION = "15.0.3";
const VERSION = EVERY_DIRECTIVE_VERSION;

/** Every referenced resource is defined under this name in the base configs. */
export const REF = "Ref";

// ---------------------------------------------------------------------------------------------
// Sample values

/** Samples for particular directives, by `Resource.Directive` or `Directive` (first match wins). */
function override(work: string, res: string, def: DirectiveDef): string | undefined {
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
  return typeof v === "function" ? v() : v;
}

function sampleByStore(work: string, def: DirectiveDef, k: number): string {
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

/** The sample value (config syntax) a generated config writes for `def` of resource or block `res`. */
export function sampleValue(work: string, res: string, def: DirectiveDef, k = 0): string {
  return (def.values ? undefined : override(work, res, def)) ?? sampleByStore(work, def, k);
}

/** Extra lines a repeatable directive gets besides its sample, to cover its other forms. */
function extraLines(def: DirectiveDef): string[] {
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

export interface RenderOpts {
  /** Value index for keyword directives. */
  k: number;
  /** Directive names to leave out (they go into another instance). */
  skip: ReadonlySet<string>;
  /** When set, write only these (plus required ones). */
  only?: ReadonlySet<string>;
}

/** The lines of a resource's (or sub-block's) body with sample values, `indent` before each. */
export function renderBody(work: string, ownerName: string, owner: ResourceDef | BlockDef, o: RenderOpts, indent: string, name?: string): string[] {
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
      lines.push(...renderBody(work, def.name, def.block, o, indent + "  "));
      lines.push(`${indent}}`);
      continue;
    }
    lines.push(`${indent}${def.name} = ${sampleValue(work, ownerName, def, o.k)}`);
    if (def.repeatable) for (const extra of extraLines(def)) lines.push(`${indent}${def.name} = ${extra}`);
  }
  return lines;
}

function renderResource(work: string, res: ResourceDef, name: string, o: RenderOpts): string {
  return [`${res.name} {`, ...renderBody(work, res.name, res, o, "  ", name), "}"].join("\n");
}

// ---------------------------------------------------------------------------------------------
// Per daemon: minimal resources the generated ones refer to, and directives that cannot share
// one resource (they go into a second instance, or a second file for single resources).

/** Minimal resources named REF (and the single resource when it is not generated), by type; "" for none. */
export function baseResources(daemon: Daemon, work: string): Record<string, string> {
  switch (daemon) {
    case "dir":
      return {
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
      };
    case "sd":
      return {
        Storage: `Storage {\n  Name = "bsd"\n  WorkingDirectory = "${work}"\n  PidDirectory = "${work}"\n}`,
        Director: `Director {\n  Name = "${REF}"\n  Password = "p"\n}`,
        Messages: `Messages {\n  Name = "${REF}"\n  Director = "${REF}" = all\n}`,
        Device: `Device {\n  Name = "${REF}"\n  MediaType = "File"\n  ArchiveDevice = "${work}"\n  DeviceType = File\n}`,
        Autochanger: "",
        Cloud: `Cloud {\n  Name = "${REF}"\n  Driver = S3\n  HostName = "s3.example.com"\n  BucketName = "b"\n  AccessKey = "a"\n  SecretKey = "s"\n}`,
        Statistics: "",
      };
    case "fd":
      return {
        FileDaemon: `FileDaemon {\n  Name = "bfd"\n  WorkingDirectory = "${work}"\n  PidDirectory = "${work}"\n}`,
        Director: `Director {\n  Name = "${REF}"\n  Password = "p"\n}`,
        Messages: `Messages {\n  Name = "${REF}"\n  Director = "${REF}" = all\n}`,
        Console: `Console {\n  Name = "${REF}"\n  Password = "p"\n}`,
        Schedule: `Schedule {\n  Name = "${REF}"\n}`,
        Statistics: "",
      };
    case "console":
      return {
        Director: `Director {\n  Name = "${REF}"\n  Address = "localhost"\n  Password = "p"\n}`,
        Console: "",
      };
  }
}

/** `Resource.Directive` pairs written in a separate instance only. */
const APART: Readonly<Record<Daemon, readonly string[]>> = {
  // Old-style DirAddress/DirPort and the DirAddresses block do not mix.
  dir: ["Director.DirAddresses"],
  sd: ["Storage.SdAddresses"],
  fd: ["FileDaemon.FdAddresses"],
  console: [],
};

export function apartDirectives(daemon: Daemon): readonly string[] {
  return APART[daemon];
}

/** A generated instance whose JSON view tables.real.test.ts checks key by key. */
export interface JsonCheck {
  res: ResourceDef;
  name: string;
  /** Check only these directives (an instance made of directives kept apart). */
  only?: ReadonlySet<string>;
}

export interface EveryDirectiveConfigs {
  /** Config files (texts) that must all pass -t. */
  files: string[];
  /** Per file (by index): the generated instances whose JSON view is checked. */
  checks: Map<number, JsonCheck[]>;
  /** Per file (by index): the name of its single resource (the Director / SD Storage it defines). */
  singleNames: string[];
  /** Directives written at least once (as `Resource.Directive`, sub-blocks as `Resource.Block.Directive`). */
  written: Set<string>;
  /** Keyword values written at least once (`Resource.Directive=Value`). */
  valuesWritten: Set<string>;
}

/** Configs for `daemon` that, together, use every directive and every listed value of its 15.0 table. */
export function generateEveryDirective(daemon: Daemon, work: string): EveryDirectiveConfigs {
  const apart = new Set(APART[daemon]);
  const none = new Set<string>();
  const resources = resourcesFor(daemon, VERSION);
  const files: string[] = [];
  const singleNames: string[] = [];
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
  const base = baseResources(daemon, work);
  const count = Math.max(...singles.map((r) => variantCount(r)), 1);

  for (let k = 0; k < count; k++) {
    const parts: string[] = [];
    for (const res of singles) {
      const text = renderResource(work, res, `${res.name}_${k}`, { k, skip: apart });
      parts.push(text);
      note(res, text);
      if (k === 0) check(0, { res, name: `${res.name}_${k}` });
    }
    for (const res of others) {
      if (base[res.name]) parts.push(base[res.name]!);
      if (k > 0) continue;
      const n = variantCount(res);
      for (let j = 0; j < n; j++) {
        const text = renderResource(work, res, `T_${res.name}_${j}`, { k: j, skip: apart });
        parts.push(text);
        note(res, text);
        if (j === 0) check(0, { res, name: `T_${res.name}_${j}` });
      }
      const only = new Set([...apart].filter((a) => a.startsWith(`${res.name}.`)));
      if (only.size) {
        const text = renderResource(work, res, `T_${res.name}_apart`, { k: 0, skip: none, only });
        parts.push(text);
        note(res, text);
        if (k === 0) check(0, { res, name: `T_${res.name}_apart`, only });
      }
    }
    files.push(parts.join("\n\n") + "\n");
    singleNames.push(singles.length ? `${singles[0]!.name}_${k}` : "");
  }
  // Single resources with directives that must be apart: one more file.
  for (const res of singles) {
    const only = new Set([...apart].filter((a) => a.startsWith(`${res.name}.`)));
    if (!only.size) continue;
    const text = renderResource(work, res, `${res.name}_apart`, { k: 0, skip: none, only });
    note(res, text);
    const parts = [text, ...others.map((r) => base[r.name]).filter((t): t is string => !!t)];
    check(files.length, { res, name: `${res.name}_apart`, only });
    files.push(parts.join("\n\n") + "\n");
    singleNames.push(`${res.name}_apart`);
  }
  return { files, checks, singleNames, written, valuesWritten };
}

/** Every `Resource.Directive` (and value) the 15.0 table has, as `generateEveryDirective` records them. */
export function expectedDirectives(daemon: Daemon): { directives: string[]; values: string[] } {
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
