/**
 * The typed model (model.ts) as a view of the generic tree (tree.ts). For each resource kind the
 * app reasons about, a list says which directives have a typed key; every other directive and
 * sub-block stays, in order, in the resource's `extra` items, and resource types without a kind
 * (Console, Counter, Statistics, Cloud…) are kept whole in the config's `others`. Nothing is lost
 * between the two: nodeToTyped ∘ typedToNode is the identity on what Bacula reads.
 *
 * A typed key takes a directive only when it can hold it exactly (a Storage with two Device names
 * keeps the line in `extra`; a FileSet is typed only in its simple shape); a directive that was
 * declined renders from `extra`, so the order and grouping Bacula cares about are kept.
 */
import { findDirective, findResource, TABLES } from "./tables";
import { listenPort } from "./tables/common";
import type { Daemon, DirectiveDef, ResourceDef } from "./tables/types";
import { declaredName, type AddressEntry, type BlockItem, type ConfigTree, type DirectiveItem, type Item, type MsgValue, type ResourceNode, type ResourceSource, type Value } from "./tree";

export type Obj = Record<string, unknown>;

/**
 * How a typed key holds its directive:
 * - one: a single value (the directive's value as is);
 * - first: a one-element list directive held as its only element (Director Storage Device);
 * - concat: list lines added up into one list (Storage = A, B / Storage = C);
 * - repeat: each line one element of a list (Job Run lines, Schedule Run lines).
 */
type Conv = "one" | "first" | "concat" | "repeat";

interface KeySpec {
  /** A keyword of the directive (resolved to the table's canonical name). */
  directive: string;
  key: string;
  conv?: Conv;
}

export interface KindSpec {
  daemon: Daemon;
  /** Resource keyword in the daemon's table. */
  type: string;
  /** Key of the list (or the single object) in the typed config. */
  configKey: string;
  single?: boolean;
  keys: readonly KeySpec[];
  /** Special typed views that need more than one directive (FileSet, Messages, RunScript). */
  special?: "fileset" | "messages" | "runscripts";
}

const k = (directive: string, key: string, conv: Conv = "one"): KeySpec => ({ directive, key, conv });

const JOB_KEYS: KeySpec[] = [
  k("Name", "name"),
  k("Description", "description"),
  k("Type", "type"),
  k("Level", "level"),
  k("JobDefs", "jobDefs"),
  k("Client", "client"),
  k("FileSet", "fileset"),
  k("Schedule", "schedule"),
  k("Messages", "messages"),
  k("Pool", "pool"),
  k("NextPool", "nextPool"),
  k("Storage", "storage", "concat"),
  k("StorageGroupPolicy", "storageGroupPolicy"),
  k("StorageGroupPolicyThreshold", "storageGroupPolicyThreshold"),
  k("SelectionType", "selectionType"),
  k("SelectionPattern", "selectionPattern"),
  k("Priority", "priority"),
  k("MaximumConcurrentJobs", "maxConcurrentJobs"),
  k("Enabled", "enabled"),
  k("Run", "run", "concat"),
];

/** MailCommand / OperatorCommand apply to the destination lines after them: typed only when they come first. */
const MESSAGES_KEYS: KeySpec[] = [k("Name", "name"), k("MailCommand", "mailCommand"), k("OperatorCommand", "operatorCommand")];

export const KINDS = {
  Director: {
    daemon: "dir",
    type: "Director",
    configKey: "director",
    single: true,
    keys: [
      k("Name", "name"),
      k("Description", "description"),
      k("DirAddress", "address"),
      k("DirPort", "port"),
      k("Password", "password"),
      k("QueryFile", "queryFile"),
      k("WorkingDirectory", "workingDirectory"),
      k("PidDirectory", "pidDirectory"),
      k("MaximumConcurrentJobs", "maxConcurrentJobs"),
      k("Messages", "messages"),
    ],
  },
  Catalog: {
    daemon: "dir",
    type: "Catalog",
    configKey: "catalogs",
    keys: [k("Name", "name"), k("DbName", "dbName"), k("DbUser", "dbUser"), k("DbPassword", "dbPassword"), k("DbAddress", "dbAddress"), k("DbPort", "dbPort")],
  },
  Storage: {
    daemon: "dir",
    type: "Storage",
    configKey: "storages",
    keys: [
      k("Name", "name"),
      k("Address", "address"),
      k("SdPort", "sdPort"),
      k("Password", "password"),
      k("Device", "device", "first"),
      k("MediaType", "mediaType"),
      k("MaximumConcurrentJobs", "maxConcurrentJobs"),
      k("Autochanger", "autochanger"),
    ],
  },
  Pool: {
    daemon: "dir",
    type: "Pool",
    configKey: "pools",
    keys: [
      k("Name", "name"),
      k("PoolType", "poolType"),
      k("VolumeRetention", "volumeRetention"),
      k("LabelFormat", "labelFormat"),
      k("MaximumVolumeBytes", "maximumVolumeBytes"),
      k("MaximumVolumes", "maximumVolumes"),
      k("Recycle", "recycle"),
      k("AutoPrune", "autoPrune"),
      k("NextPool", "nextPool"),
      k("Storage", "storage", "concat"),
      k("StorageGroupPolicy", "storageGroupPolicy"),
      k("StorageGroupPolicyThreshold", "storageGroupPolicyThreshold"),
    ],
  },
  Client: {
    daemon: "dir",
    type: "Client",
    configKey: "clients",
    keys: [
      k("Name", "name"),
      k("Description", "description"),
      k("Address", "address"),
      k("FdPort", "fdPort"),
      k("Password", "password"),
      k("Catalog", "catalog"),
      k("FileRetention", "fileRetention"),
      k("JobRetention", "jobRetention"),
      k("AutoPrune", "autoPrune"),
    ],
  },
  FileSet: { daemon: "dir", type: "Fileset", configKey: "filesets", keys: [k("Name", "name"), k("Description", "description")], special: "fileset" },
  Schedule: { daemon: "dir", type: "Schedule", configKey: "schedules", keys: [k("Name", "name"), k("Run", "run", "repeat"), k("Enabled", "enabled")] },
  Messages: { daemon: "dir", type: "Messages", configKey: "messages", keys: MESSAGES_KEYS, special: "messages" },
  JobDefs: { daemon: "dir", type: "JobDefs", configKey: "jobDefs", keys: JOB_KEYS, special: "runscripts" },
  Job: { daemon: "dir", type: "Job", configKey: "jobs", keys: JOB_KEYS, special: "runscripts" },
  SdStorage: {
    daemon: "sd",
    type: "Storage",
    configKey: "storage",
    single: true,
    keys: [
      k("Name", "name"),
      k("SdAddress", "address"),
      k("SdPort", "sdPort"),
      k("WorkingDirectory", "workingDirectory"),
      k("PidDirectory", "pidDirectory"),
      k("MaximumConcurrentJobs", "maxConcurrentJobs"),
    ],
  },
  SdDirector: { daemon: "sd", type: "Director", configKey: "directors", keys: [k("Name", "name"), k("Password", "password"), k("Monitor", "monitor")] },
  Device: {
    daemon: "sd",
    type: "Device",
    configKey: "devices",
    keys: [
      k("Name", "name"),
      k("MediaType", "mediaType"),
      k("ArchiveDevice", "archiveDevice"),
      k("DeviceType", "deviceType"),
      k("LabelMedia", "labelMedia"),
      k("RandomAccess", "randomAccess"),
      k("AutomaticMount", "automaticMount"),
      k("RemovableMedia", "removableMedia"),
      k("AlwaysOpen", "alwaysOpen"),
      k("Autochanger", "autochanger"),
      k("MaximumConcurrentJobs", "maximumConcurrentJobs"),
    ],
  },
  Autochanger: {
    daemon: "sd",
    type: "Autochanger",
    configKey: "autochangers",
    keys: [k("Name", "name"), k("Device", "devices", "concat"), k("ChangerDevice", "changerDevice"), k("ChangerCommand", "changerCommand")],
  },
  SdMessages: { daemon: "sd", type: "Messages", configKey: "messages", keys: MESSAGES_KEYS, special: "messages" },
  // bacula-fd.conf: the File Daemon itself, the Directors allowed to connect, its Messages.
  FdFileDaemon: {
    daemon: "fd",
    type: "FileDaemon",
    configKey: "fileDaemon",
    single: true,
    keys: [
      k("Name", "name"),
      k("Description", "description"),
      k("FdAddress", "address"),
      k("FdPort", "port"),
      k("WorkingDirectory", "workingDirectory"),
      k("PidDirectory", "pidDirectory"),
      k("MaximumConcurrentJobs", "maxConcurrentJobs"),
      k("Messages", "messages"),
    ],
  },
  FdDirector: { daemon: "fd", type: "Director", configKey: "directors", keys: [k("Name", "name"), k("Password", "password"), k("Address", "address"), k("Monitor", "monitor")] },
  FdMessages: { daemon: "fd", type: "Messages", configKey: "messages", keys: MESSAGES_KEYS, special: "messages" },
  // bconsole.conf: the Directors the console can reach.
  ConsoleDirector: {
    daemon: "console",
    type: "Director",
    configKey: "directors",
    keys: [k("Name", "name"), k("Description", "description"), k("Address", "address"), k("DirPort", "port"), k("Password", "password")],
  },
} as const satisfies Record<string, KindSpec>;

export type ResourceKind = keyof typeof KINDS;

/** The resource kinds of a daemon, in the order its table lists the resource types. */
export function kindsOf(daemon: Daemon): ResourceKind[] {
  return (Object.keys(KINDS) as ResourceKind[]).filter((kk) => KINDS[kk].daemon === daemon);
}

/** The table row of each kind and the kind of each resource type, computed once (the tables are constant). */
const defOfKind = new Map<ResourceKind, ResourceDef>();
const kindOfType = new Map<Daemon, Map<string, ResourceKind>>();

export function resourceDefOf(kind: ResourceKind): ResourceDef {
  let def = defOfKind.get(kind);
  if (!def) {
    const spec: KindSpec = KINDS[kind];
    def = findResource(spec.daemon, spec.type);
    if (!def) throw new Error(`directive tables have no ${spec.type} resource for ${spec.daemon}`);
    defOfKind.set(kind, def);
  }
  return def;
}

interface ResolvedKey extends KeySpec {
  def: DirectiveDef;
}

interface ResolvedKind {
  byName: Map<string, ResolvedKey>;
  list: ResolvedKey[];
  /** The kind's special view, and its resource type (the same shape for every kind: see typedToNode). */
  special: KindSpec["special"] | undefined;
  type: string;
  /** The key whose value typedToNode writes as the Name directive. */
  nameKey: string | undefined;
}

const resolved = new Map<ResourceKind, ResolvedKind>();

/** The typed keys of a kind with their table rows (the table's canonical names). */
export function typedKeys(kind: ResourceKind): ResolvedKind {
  let r = resolved.get(kind);
  if (!r) {
    const spec: KindSpec = KINDS[kind];
    const res = resourceDefOf(kind);
    const list: ResolvedKey[] = [];
    for (const ks of spec.keys) {
      const def = findDirective(res, ks.directive);
      if (!def) throw new Error(`directive tables: ${res.name} has no ${ks.directive}`);
      list.push({ directive: ks.directive, key: ks.key, conv: ks.conv, def });
    }
    const byName = new Map(list.map((x) => [x.def.name, x]));
    r = { byName, list, special: spec.special, type: res.name, nameKey: byName.get("Name")?.key };
    resolved.set(kind, r);
  }
  return r;
}

/** The canonical directive name behind a typed key (for error paths and forms). */
export function directiveOfKey(kind: ResourceKind, key: string): DirectiveDef | undefined {
  return typedKeys(kind).list.find((x) => x.key === key)?.def;
}

/**
 * The typed keys of a kind whose directive Bacula refuses beside one of `items` (DirPort beside a
 * DirAddresses block: the table's `excludes`). A model built from database columns that are always
 * filled (the port the dashboard reaches a daemon at) leaves these keys out.
 */
export function excludedKeys(kind: ResourceKind, items: readonly Item[] | undefined): Set<string> {
  const res = resourceDefOf(kind);
  const names = new Set<string>();
  for (const it of items ?? []) for (const x of findDirective(res, it.name)?.excludes ?? []) names.add(x);
  return new Set(names.size === 0 ? [] : typedKeys(kind).list.filter((x) => names.has(x.def.name)).map((x) => x.key));
}

/**
 * Where a Director, Storage Daemon or File Daemon resource says it listens: its single-style
 * address and port (DirAddress / DirPort...), else the first entry of its addresses block
 * (DirAddresses = { ip = { addr = ...; port = ...; } }). Driven by the stores of the table rows.
 */
/** A port directive's default, as the directive table gives it (SdPort 9103, FdPort 9102, DirPort 9101). */
export function tablePort(kind: ResourceKind, directive: string): number {
  const value = findDirective(resourceDefOf(kind), directive)?.default;
  if (typeof value !== "number") throw new Error(`directive tables give ${kind} ${directive} no numeric default`);
  return value;
}

export function listenAddress(res: ResourceDef, items: readonly Item[]): { address?: string; port?: number } {
  const out: { address?: string; port?: number } = {};
  const block = items.find((i) => i.kind === "directive" && findDirective(res, i.name)?.store === "addresses");
  const single = new Set(block ? [] : res.directives.flatMap((x) => x.excludes ?? []));
  for (const it of items) {
    if (it.kind !== "directive") continue;
    const def = findDirective(res, it.name);
    if (!def) continue;
    if (def.store === "addresses" && it === block && Array.isArray(it.value)) {
      const first = (it.value as AddressEntry[])[0];
      if (first?.addr !== undefined) out.address = first.addr;
      const port = first?.port === undefined ? undefined : listenPort(first.port);
      if (port !== undefined) out.port = port;
    } else if (single.has(def.name) && def.store === "addresses_address" && typeof it.value === "string") out.address = it.value;
    else if (single.has(def.name) && def.store === "addresses_port" && (typeof it.value === "number" || /^\d+$/.test(String(it.value)))) out.port = Number(it.value);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Special shapes

/** Message destination keywords, lower-cased kind -> table keyword. */
export function destinationKeyword(kind: string): string | undefined {
  const def = findDirective(resourceDefOf("Messages"), kind);
  return def && def.store === "msgs" ? def.name : undefined;
}

export interface MessageDestination {
  /** Lower-case destination kind: mail, mailonerror, operator, file, append, director, console, stdout, stderr, syslog, catalog… */
  kind: string;
  /** Addresses (comma separated for mail/operator lists), a file name or a Director name. */
  where?: string;
  types: string[];
}

function msgsToDest(it: DirectiveItem): MessageDestination {
  const v = it.value as MsgValue;
  // No `where` key at all for Console, Catalog… (an explicit undefined would differ from the model's absent key).
  return v.where ? { kind: it.name.toLowerCase(), where: v.where.join(", "), types: [...v.types] } : { kind: it.name.toLowerCase(), types: [...v.types] };
}

export function destToItem(d: MessageDestination): DirectiveItem {
  const name = destinationKeyword(d.kind) ?? d.kind;
  const def = findDirective(resourceDefOf("Messages"), name);
  const list = def?.destination === "list";
  const where = d.where === undefined || d.where === "" ? undefined : list ? d.where.split(",").map((s) => s.trim()).filter(Boolean) : [d.where];
  const value: MsgValue = where ? { where, types: [...d.types] } : { types: [...d.types] };
  return { kind: "directive", name, value };
}

/**
 * FileSet in its simple shape: at most one Include (File lines and at most one Options block with
 * only Signature and Compression) and at most one Exclude (File lines only), neither empty. Else
 * undefined: the FileSet is edited as directives.
 */
export interface SimpleFileSet {
  include: string[];
  exclude: string[];
  signature?: string;
  compression?: string;
}

export function simpleFileSet(extra: readonly Item[]): SimpleFileSet | undefined {
  const out: SimpleFileSet = { include: [], exclude: [] };
  let inc = 0;
  let exc = 0;
  for (const it of extra) {
    // An empty block (`Exclude { }`, which Bacula's JSON view lists) is kept as written.
    if (it.kind !== "block" || it.items.length === 0) return undefined;
    if (it.name === "Include") {
      if (++inc > 1) return undefined;
      let opts = 0;
      for (const x of it.items) {
        if (x.kind === "directive" && x.name === "File" && typeof x.value === "string") out.include.push(x.value);
        else if (x.kind === "block" && x.name === "Options") {
          if (++opts > 1) return undefined;
          for (const o of x.items) {
            if (o.kind !== "directive" || typeof o.value !== "string") return undefined;
            if (o.name === "Signature" && out.signature === undefined) out.signature = o.value;
            else if (o.name === "Compression" && out.compression === undefined) out.compression = o.value;
            else return undefined;
          }
        } else return undefined;
      }
    } else if (it.name === "Exclude") {
      if (++exc > 1) return undefined;
      for (const x of it.items) {
        if (x.kind === "directive" && x.name === "File" && typeof x.value === "string") out.exclude.push(x.value);
        else return undefined;
      }
    } else return undefined;
  }
  return out;
}

/** The blocks of a simple FileSet (Options first, as Bacula documents it). */
export function fileSetItems(fs: SimpleFileSet): BlockItem[] {
  const out: BlockItem[] = [];
  const inc: Item[] = [];
  const opts: Item[] = [];
  if (fs.signature) opts.push({ kind: "directive", name: "Signature", value: fs.signature });
  if (fs.compression) opts.push({ kind: "directive", name: "Compression", value: fs.compression });
  if (opts.length > 0) inc.push({ kind: "block", name: "Options", items: opts });
  for (const f of fs.include) inc.push({ kind: "directive", name: "File", value: f });
  if (inc.length > 0) out.push({ kind: "block", name: "Include", items: inc });
  if (fs.exclude.length > 0) out.push({ kind: "block", name: "Exclude", items: fs.exclude.map((f) => ({ kind: "directive", name: "File", value: f }) as Item) });
  return out;
}

/** A RunScript in its simple shape (one Command, the usual flags); others stay as blocks. */
export interface RunScript {
  runsWhen?: string;
  runsOnClient?: boolean;
  runsOnSuccess?: boolean;
  runsOnFailure?: boolean;
  failJobOnError?: boolean;
  command?: string;
}

const RS_KEYS: readonly [string, keyof RunScript][] = [
  ["RunsWhen", "runsWhen"],
  ["RunsOnClient", "runsOnClient"],
  ["RunsOnSuccess", "runsOnSuccess"],
  ["RunsOnFailure", "runsOnFailure"],
  ["FailJobOnError", "failJobOnError"],
  ["Command", "command"],
];

/** RS_KEYS by lower-cased directive name. */
const RS_KEY_OF = new Map(RS_KEYS.map(([n, key]) => [n.toLowerCase(), key]));

function blockToRunScript(b: BlockItem): RunScript | undefined {
  const out: RunScript = {};
  for (const it of b.items) {
    if (it.kind !== "directive") return undefined;
    const key = RS_KEY_OF.get(it.name.toLowerCase());
    if (!key || (out as Obj)[key] !== undefined) return undefined;
    (out as Obj)[key] = it.value;
  }
  return out.command === undefined ? undefined : out;
}

/**
 * The keyword of the RunScript block as the table spells it ("Runscript", like dird_conf.c): tree
 * items carry the canonical name, so the typed view must use it both ways (the renderer refuses
 * any other spelling, and the parser never produces one).
 */
let runScriptKeyword: string | undefined;
export function runScriptName(): string {
  if (runScriptKeyword === undefined) {
    const def = findDirective(resourceDefOf("Job"), "RunScript");
    if (!def) throw new Error("directive tables: Job has no RunScript");
    runScriptKeyword = def.name;
  }
  return runScriptKeyword;
}

export function runScriptToBlock(rs: RunScript): BlockItem {
  const items: Item[] = [];
  for (const [name, key] of RS_KEYS) {
    const v = rs[key];
    if (v !== undefined && v !== null) items.push({ kind: "directive", name, value: v as Value });
  }
  return { kind: "block", name: runScriptName(), items };
}

// ---------------------------------------------------------------------------------------------
// Conversions

/** The typed object of one resource node of a kind (unknown directives go to `extra`). */
export function nodeToTyped(kind: ResourceKind, node: ResourceNode): Obj {
  const spec: KindSpec = KINDS[kind];
  const { byName } = typedKeys(kind);
  const obj: Obj = {};
  const extra: Item[] = [];
  // First pass: which typed keys can take their directive (all its lines) exactly.
  const lines = new Map<string, DirectiveItem[]>();
  for (const it of node.items) {
    if (it.kind !== "directive" || !byName.has(it.name)) continue;
    const l = lines.get(it.name) ?? [];
    l.push(it);
    lines.set(it.name, l);
  }
  const accepted = new Set<string>();
  if (spec.special === "messages" && !commandsFirst(kind, node.items)) {
    // Keep the Name typed; everything else in order.
    lines.forEach((_its, name) => {
      if (name !== "Name") lines.delete(name);
    });
  }
  for (const [name, its] of lines) {
    const ks = byName.get(name)!;
    if (ks.conv === "one" && its.length === 1) accepted.add(name);
    else if (ks.conv === "first" && its.length === 1 && Array.isArray(its[0].value) && its[0].value.length === 1) accepted.add(name);
    else if (ks.conv === "concat" && its.every((i) => Array.isArray(i.value))) accepted.add(name);
    else if (ks.conv === "repeat") accepted.add(name);
  }
  for (const it of node.items) {
    if (it.kind === "directive" && accepted.has(it.name)) {
      const ks = byName.get(it.name)!;
      if (ks.conv === "one") obj[ks.key] = it.value;
      else if (ks.conv === "first") obj[ks.key] = (it.value as string[])[0];
      else if (ks.conv === "concat") obj[ks.key] = [...((obj[ks.key] as string[] | undefined) ?? []), ...(it.value as string[])];
      else obj[ks.key] = [...((obj[ks.key] as Value[] | undefined) ?? []), it.value];
      continue;
    }
    extra.push(it);
  }
  let rest = extra;
  if (spec.special === "messages") {
    // Destinations (and the commands they use) keep their order: typed only when nothing else is there.
    const dests = rest.filter((i): i is DirectiveItem => i.kind === "directive" && isMsgs(kind, i.name));
    if (dests.length === rest.length) {
      obj.destinations = dests.map(msgsToDest);
      rest = [];
    }
  } else if (spec.special === "fileset") {
    const simple = simpleFileSet(rest);
    if (simple && (simple.include.length > 0 || simple.exclude.length > 0)) {
      Object.assign(obj, simple);
      rest = [];
    }
  } else if (spec.special === "runscripts") {
    // RunScript blocks are typed only when every run-script-like item is a simple RunScript block
    // (RunBeforeJob and friends, or blocks with several commands, keep them all in order in extra).
    const rsName = runScriptName();
    const scriptish = rest.filter((i) => i.name === rsName || isShortRunScript(kind, i.name));
    const typed = scriptish.map((i) => (i.kind === "block" && i.name === rsName ? blockToRunScript(i) : undefined));
    if (scriptish.length > 0 && typed.every((t) => t !== undefined)) {
      obj.runScripts = typed;
      rest = rest.filter((i) => !scriptish.includes(i));
    }
  }
  if (rest.length > 0) obj.extra = rest;
  return obj;
}

/** True when no destination line comes before a MailCommand / OperatorCommand line. */
function commandsFirst(kind: ResourceKind, items: readonly Item[]): boolean {
  let destSeen = false;
  for (const it of items) {
    if (it.kind !== "directive") continue;
    if (isMsgs(kind, it.name)) destSeen = true;
    else if ((it.name === "MailCommand" || it.name === "OperatorCommand") && destSeen) return false;
  }
  return true;
}

function isMsgs(kind: ResourceKind, name: string): boolean {
  return findDirective(resourceDefOf(kind), name)?.store === "msgs";
}

function isShortRunScript(kind: ResourceKind, name: string): boolean {
  return findDirective(resourceDefOf(kind), name)?.store === "short_runscript";
}

/** The resource node of a typed object: typed keys in the kind's order, then `extra` as kept. */
export function typedToNode(kind: ResourceKind, obj: Obj): ResourceNode {
  // The kind's resolved record, not KINDS[kind]: the KINDS entries differ in shape, and code
  // optimised on some kinds would be thrown away on the others.
  const spec = typedKeys(kind);
  const items: Item[] = [];
  const keys = spec.list;
  // (An indexed loop: this runs for every resource of a big model, also before it is optimised.)
  for (let i = 0; i < keys.length; i++) {
    const ks = keys[i];
    const v = obj[ks.key];
    if (v === undefined || v === null) continue;
    if (ks.conv === "one") items.push({ kind: "directive", name: ks.def.name, value: v as Value });
    else if (ks.conv === "first") items.push({ kind: "directive", name: ks.def.name, value: [v as string] });
    else if (ks.conv === "concat") {
      if (!Array.isArray(v) || v.length === 0) continue;
      // Job Run lines read best one per line; storage groups on one line, in order.
      if (ks.def.store === "alist_str") for (const x of v) items.push({ kind: "directive", name: ks.def.name, value: [x as string] });
      else items.push({ kind: "directive", name: ks.def.name, value: v as string[] });
    } else if (Array.isArray(v)) for (const x of v) items.push({ kind: "directive", name: ks.def.name, value: x as Value });
  }
  if (spec.special === "messages" && Array.isArray(obj.destinations)) {
    for (const d of obj.destinations as MessageDestination[]) items.push(destToItem(d));
  } else if (spec.special === "fileset") {
    const fs = obj as unknown as Partial<SimpleFileSet>;
    if ((fs.include?.length ?? 0) > 0 || (fs.exclude?.length ?? 0) > 0 || fs.signature || fs.compression)
      items.push(...fileSetItems({ include: fs.include ?? [], exclude: fs.exclude ?? [], signature: fs.signature, compression: fs.compression }));
  } else if (spec.special === "runscripts" && Array.isArray(obj.runScripts)) {
    for (const rs of obj.runScripts as RunScript[]) items.push(runScriptToBlock(rs));
  }
  if (Array.isArray(obj.extra)) items.push(...(obj.extra as Item[]));
  const node: ResourceNode = { type: spec.type, items };
  if (kind === "Storage" && obj.keyword === "Autochanger") node.keyword = "Autochanger";
  return node;
}

/** Which kind a resource node of a daemon is (undefined: kept whole in `others`). */
export function kindOfNode(daemon: Daemon, node: ResourceNode): ResourceKind | undefined {
  let byType = kindOfType.get(daemon);
  if (!byType) {
    byType = new Map();
    // The first kind of a type wins, as the table's order of kinds says.
    for (const kk of kindsOf(daemon)) if (!byType.has(resourceDefOf(kk).name)) byType.set(resourceDefOf(kk).name, kk);
    kindOfType.set(daemon, byType);
  }
  return byType.get(node.type);
}

/** Splits a tree into typed lists (by configKey) and `others`, keeping every node. */
export function treeToTyped(tree: ConfigTree): { typed: Record<string, Obj[]>; others: ResourceNode[] } {
  const typed: Record<string, Obj[]> = {};
  const others: ResourceNode[] = [];
  for (const node of tree.resources) {
    const kk = kindOfNode(tree.daemon, node);
    if (!kk) {
      others.push(node);
      continue;
    }
    const obj = nodeToTyped(kk, node);
    if (kk === "Storage" && node.keyword) obj.keyword = node.keyword;
    (typed[KINDS[kk].configKey] ??= []).push(obj);
  }
  return { typed, others };
}

/** One resource of a typed config: an object of a kind, or a node kept whole (`others`). */
type Entry = { type: string; kind: ResourceKind; obj: Obj } | { type: string; kind?: undefined; node: ResourceNode };

/** The resources of a typed config in the order they are written: the table's order of types, each type in model order. */
function typedEntries(daemon: Daemon, cfg: Obj, others: readonly ResourceNode[]): Entry[] {
  const byType = new Map<string, Entry[]>();
  const add = (type: string, entries: Entry[]) => {
    const l = byType.get(type);
    if (l) l.push(...entries);
    else byType.set(type, entries);
  };
  for (const kk of kindsOf(daemon)) {
    const spec: KindSpec = KINDS[kk];
    const v = cfg[spec.configKey];
    const list = spec.single ? (v ? [v as Obj] : []) : ((v as Obj[] | undefined) ?? []);
    const type = resourceDefOf(kk).name;
    add(type, list.map((obj): Entry => ({ type, kind: kk, obj })));
  }
  for (const o of others) add(o.type, [{ type: o.type, node: o }]);
  const entries: Entry[] = [];
  const order = [...new Set([...TABLES[daemon].resources.map((r) => r.name), ...byType.keys()])];
  for (const t of order) for (const e of byType.get(t) ?? []) entries.push(e);
  return entries;
}

function entryNode(e: Entry): ResourceNode {
  return e.kind === undefined ? e.node : typedToNode(e.kind, e.obj);
}

/** The tree of a typed config: resources in the table's order of types, each type in model order. */
export function typedToTree(daemon: Daemon, cfg: Obj, others: readonly ResourceNode[] = []): ConfigTree {
  return { daemon, resources: typedEntries(daemon, cfg, others).map(entryNode) };
}

/**
 * The same resources as typedToTree, as a source whose nodes are made when the walk reaches them
 * (and can be dropped right after): a big model's tree is never whole in memory.
 */
export function typedSource(daemon: Daemon, cfg: Obj, others: readonly ResourceNode[] = []): ResourceSource {
  const entries = typedEntries(daemon, cfg, others);
  return {
    daemon,
    length: entries.length,
    type: (i) => entries[i].type,
    // The typed key of Name is the only one typedToNode writes as a Name directive, and it comes
    // before every `extra` item: when it holds text, that is the node's declared name.
    name: (i) => {
      const e = entries[i];
      if (e.kind !== undefined) {
        const key = typedKeys(e.kind).nameKey;
        const v = key === undefined ? undefined : e.obj[key];
        if (typeof v === "string") return v;
      }
      return declaredName(entryNode(e));
    },
    node: (i) => entryNode(entries[i]),
  };
}
