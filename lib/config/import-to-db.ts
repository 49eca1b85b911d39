/**
 * Import existing bacula-dir.conf / bacula-sd.conf files into the dashboard's database.
 *
 * Input: the results of lib/bacula's parseDirector / parseStorageDaemon (see `parseConfigFile`,
 * which reads a file with its @ includes and also locates every resource for the report).
 * Output: Directors, Storage Daemons, Devices, Storages, Pools (ordered storage groups, policy,
 * Next Pool), Catalogs, Clients, FileSets, Schedules, Messages, JobDefs and Jobs created, or merged
 * into the records of the same name, in ONE transaction, with secrets encrypted, the model
 * revision bumped once and an audit event per record. Everything that could not be mapped is
 * reported with its file and line: parse issues and mapping issues alike.
 *
 * By default an import with errors (a parse error, or a record that cannot be written because a
 * required value or a referenced resource is missing) writes nothing; `allowErrors` writes what
 * could be mapped. `dryRun` runs everything inside the transaction and rolls it back.
 */
import fs from "node:fs";
import path from "node:path";
import type { Prisma, PrismaClient } from "@prisma/client";
import { audit, bumpModelRevision } from "@/lib/audit";
import type { Tx } from "@/lib/db/client";
import { encryptSecret, decryptSecret } from "@/lib/secrets";
import {
  normalizeKeyword,
  parseDirector,
  parseStorageDaemon,
  type DirectorConfig,
  type JobLike,
  type ParseIssue,
  type ParseResult,
  type ResourceKind,
  type StorageDaemonConfig,
} from "@/lib/bacula";
import { locateResources, type ResourceLocation } from "./locate";

export type Daemon = "dir" | "sd";

export interface ParsedDirectorSource {
  daemon: "dir";
  file: string;
  result: ParseResult<DirectorConfig>;
  locations?: ResourceLocation[];
}
export interface ParsedSdSource {
  daemon: "sd";
  file: string;
  result: ParseResult<StorageDaemonConfig>;
  locations?: ResourceLocation[];
}
export type ParsedSource = ParsedDirectorSource | ParsedSdSource;

export interface ImportIssue {
  file: string;
  line: number;
  severity: "error" | "warning";
  /** parse: lib/bacula's parser; map: what the dashboard's model cannot hold or resolve. */
  stage: "parse" | "map";
  message: string;
}

export interface ImportChange {
  action: "create" | "update";
  /** Inventory kind key, e.g. "pools". */
  kind: string;
  name: string;
  id: number;
  /** Placeholder records (an SD or a device only known from a Director's Storage). */
  placeholder?: boolean;
}

export interface ImportReport {
  /** True when the records were written (committed). */
  applied: boolean;
  dryRun: boolean;
  issues: ImportIssue[];
  changes: ImportChange[];
  /** Model revision after the import (when applied). */
  revision?: number;
}

export interface ImportOptions {
  actor?: string;
  ip?: string | null;
  dryRun?: boolean;
  /** Write what could be mapped even when there are errors. */
  allowErrors?: boolean;
  /** Director version recorded for imported Directors (default: the parse result's, 15.0.3). */
  version?: string;
}

/** Thrown inside the transaction to roll it back; carries the report. */
class Rollback extends Error {
  constructor(readonly report: ImportReport) {
    super("rolled back");
  }
}

/* ------------------------------------------------------------------ reading */

/** "dir" or "sd" from the resources a config holds (a Storage Daemon has Device resources, a Director Jobs/Pools). */
export function detectDaemon(text: string): Daemon | undefined {
  const clean = text.replace(/"(?:\\.|[^"\\\n])*"/g, '""').replace(/#[^\n]*/g, "");
  const kws = new Set<string>();
  for (const m of clean.matchAll(/(^|[\n;{}])\s*([A-Za-z][A-Za-z ]*?)\s*\{/g)) kws.add(normalizeKeyword(m[2]));
  const dirOnly = ["job", "jobdefs", "pool", "client", "fileset", "schedule", "catalog", "console"];
  const sdOnly = ["device"];
  if (dirOnly.some((k) => kws.has(k))) return "dir";
  if (sdOnly.some((k) => kws.has(k))) return "sd";
  if (kws.has("director") && !kws.has("storage")) return "dir";
  if (kws.has("storage")) {
    // A Director with only Storages is unusual; an SD always has exactly one Storage and Directors.
    return /WorkingDirectory|Pid\s*Directory/i.test(clean) && !/QueryFile/i.test(clean) ? "sd" : "dir";
  }
  return undefined;
}

/**
 * Reads and parses one config file (includes resolved relative to the file's directory when
 * relative), detecting the daemon unless given.
 */
export function parseConfigFile(file: string, daemon?: Daemon, opts: { version?: string } = {}): ParsedSource {
  const abs = path.resolve(file);
  const text = fs.readFileSync(abs, "utf8");
  const base = path.dirname(abs);
  const resolve = (p: string) => (path.isAbsolute(p) ? p : path.resolve(base, p));
  const readFile = (p: string) => fs.readFileSync(resolve(p), "utf8");
  const src = parseConfigText(text, abs, daemon, { ...opts, readFile });
  // Name included files by their full path in the report.
  for (const i of src.result.issues) if (i.file) i.file = resolve(i.file);
  for (const l of src.locations ?? []) {
    l.file = resolve(l.file);
    for (const d of l.directives.values()) d.file = resolve(d.file);
  }
  return src;
}

export function parseConfigText(
  text: string,
  file: string,
  daemon?: Daemon,
  opts: { version?: string; readFile?: (p: string) => string } = {},
): ParsedSource {
  const d = daemon ?? detectDaemon(text);
  if (!d) throw new Error(`${file}: cannot tell whether this is a Director or a Storage Daemon config (no Job, Pool, Device... resource)`);
  const locations = locateResources(d, text, file, opts.readFile);
  if (d === "dir") {
    return { daemon: "dir", file, result: parseDirector(text, { file, readFile: opts.readFile, version: opts.version }), locations };
  }
  return { daemon: "sd", file, result: parseStorageDaemon(text, { file, readFile: opts.readFile }), locations };
}

/* ------------------------------------------------------------------ helpers */

/** Bacula defaults the dashboard writes explicitly when a config leaves them out. */
const BACULA_DEFAULTS = {
  dirPort: 9101,
  dirMaxJobs: 20,
  sdPort: 9103,
  fdPort: 9102,
  storageMaxJobs: 1,
  sdMaxJobs: 20,
} as const;

type Db = PrismaClient;

interface Ctx {
  tx: Tx;
  issues: ImportIssue[];
  changes: ImportChange[];
  actor: string;
  ip?: string | null;
}

class Locator {
  private byKey = new Map<string, ResourceLocation>();
  constructor(
    readonly file: string,
    locs: ResourceLocation[] | undefined,
  ) {
    for (const l of locs ?? []) {
      const k = `${l.kind}\u0000${l.name}`;
      if (!this.byKey.has(k)) this.byKey.set(k, l);
    }
  }
  at(kind: ResourceKind, name: string, directive?: string): { file: string; line: number } {
    const l = this.byKey.get(`${kind}\u0000${name}`);
    if (!l) return { file: this.file, line: 0 };
    if (directive) {
      const d = l.directives.get(normalizeKeyword(directive));
      if (d) return d;
    }
    return { file: l.file, line: l.line };
  }
}

function issue(ctx: Ctx, where: { file: string; line: number }, severity: "error" | "warning", message: string) {
  ctx.issues.push({ file: where.file, line: where.line, severity, stage: "map", message });
}

const enc = (v: string | undefined | null) => (v ? encryptSecret(v) : undefined);

/** A Bacula-valid resource name made from arbitrary text. */
function toName(s: string): string {
  const n = s.replace(/[^A-Za-z0-9:.\-_ ]/g, "_").slice(0, 127);
  return n || "imported";
}

/** create or update by a unique where; records the change and an audit event. */
async function upsert(
  ctx: Ctx,
  kind: string,
  model: string,
  where: Record<string, unknown>,
  name: string,
  create: Record<string, unknown>,
  update: Record<string, unknown>,
  placeholder = false,
): Promise<{ id: number; created: boolean }> {
  const delegate = (ctx.tx as unknown as Record<string, { findFirst(a: unknown): Promise<{ id: number } | null>; create(a: unknown): Promise<{ id: number }>; update(a: unknown): Promise<{ id: number }> }>)[model];
  const existing = await delegate.findFirst({ where });
  let id: number;
  if (existing) {
    id = (await delegate.update({ where: { id: existing.id }, data: update })).id;
  } else {
    id = (await delegate.create({ data: create })).id;
  }
  const action = existing ? "update" : "create";
  ctx.changes.push({ action, kind, name, id, ...(placeholder ? { placeholder } : {}) });
  await audit(
    {
      actor: ctx.actor,
      ip: ctx.ip,
      action: `import-${action}`,
      entityType: kind,
      entityId: id,
      entityName: name,
      after: { ...(existing ? update : create), ...(placeholder ? { placeholder: true } : {}) },
    },
    ctx.tx,
  );
  return { id, created: !existing };
}

function destinationsJson(cfg: DirectorConfig["messages"][number]) {
  return (cfg.destinations ?? []).map((d) => ({ kind: d.kind, where: d.where ?? null, types: d.types.join(", ") }));
}

/* ------------------------------------------------------------------ Storage Daemons */

interface SdInfo {
  id: number;
  name: string;
  address: string;
  port: number;
  /** Plain password known from this import (SD config or Director Storage). */
  password?: string;
  /** Whether the password came from the SD's own config in this import. */
  fromSdConfig: boolean;
  devices: Map<string, { id: number; mediaType: string }>;
  /** SD Autochanger name -> its devices (from the SD's config in this import). */
  changers: Map<string, string[]>;
}

async function importStorageDaemon(ctx: Ctx, src: ParsedSdSource, dirSources: ParsedDirectorSource[]): Promise<SdInfo | undefined> {
  const cfg = src.result.config;
  const loc = new Locator(src.file, src.locations);
  const st = cfg.storage;
  if (!st.name) return undefined;
  const at = (kind: ResourceKind, name: string, d?: string) => loc.at(kind, name, d);
  const port = st.sdPort ?? BACULA_DEFAULTS.sdPort;
  const deviceNames = new Set([...cfg.devices.map((d) => d.name), ...cfg.autochangers.map((a) => a.name)]);

  // The address: SDAddress, else the Address of a Director Storage on this port naming one of its devices.
  let address = st.address;
  if (!address) {
    for (const ds of dirSources)
      for (const s of ds.result.config.storages)
        if (!address && s.address && (s.sdPort ?? BACULA_DEFAULTS.sdPort) === port && s.device && deviceNames.has(s.device)) address = s.address;
  }
  const existingByName = await ctx.tx.storageDaemon.findUnique({ where: { name: st.name } });
  const existingByAddr = !existingByName && address ? await ctx.tx.storageDaemon.findFirst({ where: { address, port } }) : null;
  const existing = existingByName ?? existingByAddr;
  if (!address) {
    address = existing?.address ?? "localhost";
    if (!existing)
      issue(ctx, at("SdStorage", st.name), "warning",
        `Storage Daemon "${st.name}": no SDAddress and no Director Storage names its devices on port ${port}; its address is set to "localhost" (edit it in the dashboard)`);
  }
  if (existingByAddr)
    issue(ctx, at("SdStorage", st.name), "warning",
      `Storage Daemon "${st.name}" merged into the existing Storage Daemon "${existingByAddr.name}" at ${address}:${port}, which is renamed`);

  // Password: the Director resources allowed to connect; the dashboard keeps one password per SD.
  const full = cfg.directors.filter((d) => !d.monitor);
  for (const d of cfg.directors.filter((d) => d.monitor))
    issue(ctx, at("SdDirector", d.name), "warning", `Storage Daemon "${st.name}": monitor Director "${d.name}" is not kept (the dashboard writes one Director resource per Director that uses this SD)`);
  const passwords = new Set(full.map((d) => d.password).filter((p): p is string => !!p));
  if (passwords.size > 1)
    issue(ctx, at("SdDirector", full[1].name), "warning",
      `Storage Daemon "${st.name}": its Directors have different passwords; the dashboard keeps one per Storage Daemon (the first, from Director "${full[0].name}")`);
  const password = full.find((d) => d.password)?.password;
  if (!password && !existing) {
    issue(ctx, at("SdStorage", st.name), "error", `Storage Daemon "${st.name}": no Director resource with a Password; cannot store it`);
    return undefined;
  }
  for (const m of cfg.messages)
    issue(ctx, at("SdMessages", m.name), "warning",
      `Storage Daemon "${st.name}": Messages "${m.name}" is not kept; the dashboard writes a Messages resource that sends everything to the Director`);

  const data = {
    name: st.name,
    address,
    port,
    ...(password ? { passwordEnc: encryptSecret(password) } : {}),
    ...(st.workingDirectory ? { workingDirectory: st.workingDirectory } : {}),
    ...(st.pidDirectory ? { pidDirectory: st.pidDirectory } : {}),
    maxConcurrentJobs: st.maxConcurrentJobs ?? BACULA_DEFAULTS.sdMaxJobs,
  };
  if (!st.workingDirectory) issue(ctx, at("SdStorage", st.name), "error", `Storage Daemon "${st.name}": WorkingDirectory is required`);
  if (!st.pidDirectory) issue(ctx, at("SdStorage", st.name), "error", `Storage Daemon "${st.name}": Pid Directory is required`);
  const { id } = await upsert(ctx, "storage-daemons", "storageDaemon", existing ? { id: existing.id } : { name: st.name }, st.name,
    { ...data, passwordEnc: data.passwordEnc! }, data);

  const info: SdInfo = {
    id, name: st.name, address, port, password: password ?? (existing ? decryptSecret(existing.passwordEnc) : undefined), fromSdConfig: !!password,
    devices: new Map(), changers: new Map(cfg.autochangers.map((a) => [a.name, a.devices ?? []])),
  };
  const inChanger = new Set(cfg.autochangers.flatMap((a) => a.devices ?? []));
  for (const a of cfg.autochangers)
    issue(ctx, at("Autochanger", a.name), "warning",
      `Storage Daemon "${st.name}": Autochanger "${a.name}" is not kept (the dashboard has no SD autochanger resource); its devices ${(a.devices ?? []).join(", ")} are imported as devices`);
  for (const dev of cfg.devices) {
    const where = at("Device", dev.name);
    if (!dev.mediaType || !dev.archiveDevice) {
      issue(ctx, where, "error", `Device "${dev.name}": ${!dev.mediaType ? "Media Type" : "Archive Device"} is required`);
      continue;
    }
    const defaulted: string[] = [];
    const b = (v: boolean | undefined, def: boolean, label: string) => {
      if (v === undefined) defaulted.push(`${label} = ${def ? "yes" : "no"}`);
      return v ?? def;
    };
    const devData = {
      mediaType: dev.mediaType,
      archiveDevice: dev.archiveDevice,
      deviceType: dev.deviceType ?? "File",
      maxConcurrentJobs: dev.maximumConcurrentJobs ?? 1,
      autochanger: inChanger.has(dev.name),
      labelMedia: b(dev.labelMedia, false, "LabelMedia"),
      randomAccess: b(dev.randomAccess, dev.deviceType === undefined || dev.deviceType === "File", "Random Access"),
      automaticMount: b(dev.automaticMount, false, "AutomaticMount"),
      removableMedia: b(dev.removableMedia, dev.deviceType === "Tape", "RemovableMedia"),
      alwaysOpen: b(dev.alwaysOpen, true, "AlwaysOpen"),
    };
    if (dev.deviceType === undefined) defaulted.push("Device Type = File");
    if (dev.maximumConcurrentJobs === undefined) defaulted.push("Maximum Concurrent Jobs = 1");
    if (defaulted.length)
      issue(ctx, where, "warning", `Device "${dev.name}": not set in the file, the dashboard will write ${defaulted.join(", ")}`);
    const r = await upsert(ctx, "devices", "device", { storageDaemonId: id, name: dev.name }, dev.name,
      { name: dev.name, storageDaemonId: id, ...devData }, devData);
    info.devices.set(dev.name, { id: r.id, mediaType: dev.mediaType });
  }
  return info;
}

/* ------------------------------------------------------------------ Directors */

interface NameIds {
  catalogs: Map<string, number>;
  messages: Map<string, number>;
  schedules: Map<string, number>;
  filesets: Map<string, number>;
  clients: Map<string, number>;
  storages: Map<string, number>;
  pools: Map<string, number>;
  jobDefs: Map<string, number>;
}

async function existingIds(tx: Tx, directorId: number): Promise<NameIds> {
  const where = { directorId };
  const sel = { select: { id: true, name: true } } as const;
  const m = (rows: { id: number; name: string }[]) => new Map(rows.map((r) => [r.name, r.id]));
  const [catalogs, messages, schedules, filesets, clients, storages, pools, jobDefs] = await Promise.all([
    tx.catalog.findMany({ where, ...sel }),
    tx.messages.findMany({ where, ...sel }),
    tx.schedule.findMany({ where, ...sel }),
    tx.fileSet.findMany({ where, ...sel }),
    tx.client.findMany({ where, ...sel }),
    tx.storage.findMany({ where, ...sel }),
    tx.pool.findMany({ where, ...sel }),
    tx.jobDefs.findMany({ where, ...sel }),
  ]);
  return { catalogs: m(catalogs), messages: m(messages), schedules: m(schedules), filesets: m(filesets), clients: m(clients), storages: m(storages), pools: m(pools), jobDefs: m(jobDefs) };
}

async function findOrPlaceholderSd(ctx: Ctx, sds: SdInfo[], address: string, port: number, device: string, password: string | undefined, where: { file: string; line: number }, storageName: string): Promise<SdInfo | undefined> {
  const known = sds.find((s) => s.address === address && s.port === port);
  if (known) return known;
  // An SD imported with this batch on the same port that has the device (or autochanger): the
  // same daemon reached by another name (localhost / 127.0.0.1).
  const byDevice = sds.filter((s) => s.fromSdConfig && s.port === port && (s.devices.has(device) || s.changers.has(device)));
  if (byDevice.length === 1) {
    issue(ctx, where, "warning",
      `Storage "${storageName}": matched to Storage Daemon "${byDevice[0].name}" by port ${port} and device "${device}"; the Director reaches it as ${address}, the dashboard keeps ${byDevice[0].address}`);
    return byDevice[0];
  }
  const row = await ctx.tx.storageDaemon.findFirst({ where: { address, port }, include: { devices: true } });
  if (row) {
    const info: SdInfo = {
      id: row.id, name: row.name, address, port, password: decryptSecret(row.passwordEnc), fromSdConfig: false,
      devices: new Map(row.devices.map((d) => [d.name, { id: d.id, mediaType: d.mediaType }])),
      changers: new Map(),
    };
    sds.push(info);
    return info;
  }
  if (!password) return undefined;
  let name = toName(`sd-${address}-${port}`);
  for (let n = 2; await ctx.tx.storageDaemon.findUnique({ where: { name } }); n++) name = toName(`sd-${address}-${port}-${n}`);
  const { id } = await upsert(ctx, "storage-daemons", "storageDaemon", { name }, name,
    { name, address, port, passwordEnc: encryptSecret(password) }, {}, true);
  issue(ctx, where, "warning",
    `Storage "${storageName}": no Storage Daemon at ${address}:${port} is known; created the placeholder Storage Daemon "${name}" (import its bacula-sd.conf, or edit it, before deploying)`);
  const info: SdInfo = { id, name, address, port, password, fromSdConfig: false, devices: new Map(), changers: new Map() };
  sds.push(info);
  return info;
}

async function importDirector(ctx: Ctx, src: ParsedDirectorSource, sds: SdInfo[], opts: ImportOptions) {
  const cfg = src.result.config;
  const loc = new Locator(src.file, src.locations);
  const at = (kind: ResourceKind, name: string, d?: string) => loc.at(kind, name, d);
  const err = (w: { file: string; line: number }, m: string) => issue(ctx, w, "error", m);
  const warn = (w: { file: string; line: number }, m: string) => issue(ctx, w, "warning", m);
  const dir = cfg.director;
  if (!dir.name) return;
  const dAt = (d?: string) => at("Director", dir.name, d);

  // Director.
  const existing = await ctx.tx.director.findUnique({ where: { name: dir.name } });
  if (!dir.password && !existing) {
    err(dAt(), `Director "${dir.name}": Password is required`);
    return;
  }
  for (const [key, label] of [["queryFile", "QueryFile"], ["workingDirectory", "WorkingDirectory"], ["pidDirectory", "PidDirectory"]] as const)
    if (!dir[key]) err(dAt(), `Director "${dir.name}": ${label} is required${existing ? "; the stored value is kept" : "; the dashboard's default is used"}`);
  if (dir.address)
    warn(dAt("DirAddress"), `Director "${dir.name}": DirAddress ${dir.address} is kept as the address the dashboard reaches it by; rendered configs leave DirAddress out (the Director listens on every address)`);
  else if (!existing)
    warn(dAt(), `Director "${dir.name}": no DirAddress; its address is set to "localhost" (edit it in the dashboard)`);
  if (dir.description) warn(dAt("Description"), `Director "${dir.name}": Description is not stored by the dashboard`);
  const dirData = {
    address: dir.address ?? existing?.address ?? "localhost",
    port: dir.port ?? BACULA_DEFAULTS.dirPort,
    ...(dir.password ? { passwordEnc: encryptSecret(dir.password) } : {}),
    version: opts.version ?? dir.version ?? "15.0.3",
    ...(dir.queryFile ? { queryFile: dir.queryFile } : {}),
    ...(dir.workingDirectory ? { workingDirectory: dir.workingDirectory } : {}),
    ...(dir.pidDirectory ? { pidDirectory: dir.pidDirectory } : {}),
    maxConcurrentJobs: dir.maxConcurrentJobs ?? BACULA_DEFAULTS.dirMaxJobs,
  };
  const { id: directorId } = await upsert(ctx, "directors", "director", { name: dir.name }, dir.name,
    { name: dir.name, ...dirData, passwordEnc: dirData.passwordEnc! }, dirData);
  const ids = await existingIds(ctx.tx, directorId);
  const scoped = (name: string) => ({ directorId, name });

  const ref = (map: Map<string, number>, _kind: ResourceKind, refKind: string, owner: ResourceKind, ownerName: string, directive: string, name: string | undefined, required = false): number | null | undefined => {
    if (!name) return null;
    const id = map.get(name);
    if (id === undefined) {
      issue(ctx, at(owner, ownerName, directive), "error",
        `${owner} "${ownerName}": ${directive} refers to ${refKind} "${name}", which does not exist${required ? "" : "; left empty"}`);
      return undefined;
    }
    return id;
  };

  // Catalogs.
  for (const c of cfg.catalogs) {
    if (!c.dbName) {
      err(at("Catalog", c.name), `Catalog "${c.name}": DbName is required`);
      continue;
    }
    const defaulted: string[] = [];
    if (!c.dbUser) defaulted.push('DbUser = "bacula"');
    if (!c.dbAddress) defaulted.push("DbAddress = localhost");
    if (!c.dbPort) defaulted.push("DbPort = 5432");
    if (defaulted.length) warn(at("Catalog", c.name), `Catalog "${c.name}": not set in the file, the dashboard will write ${defaulted.join(", ")}`);
    const data = {
      dbName: c.dbName,
      ...(c.dbUser ? { dbUser: c.dbUser } : {}),
      dbPasswordEnc: enc(c.dbPassword) ?? null,
      ...(c.dbAddress ? { dbAddress: c.dbAddress } : {}),
      ...(c.dbPort ? { dbPort: c.dbPort } : {}),
    };
    const r = await upsert(ctx, "catalogs", "catalog", scoped(c.name), c.name, { ...scoped(c.name), ...data }, data);
    ids.catalogs.set(c.name, r.id);
  }

  // Messages.
  for (const m of cfg.messages) {
    if (m.mailCommand) warn(at("Messages", m.name, "MailCommand"), `Messages "${m.name}": MailCommand is not stored by the dashboard and will not be rendered`);
    if (m.operatorCommand) warn(at("Messages", m.name, "OperatorCommand"), `Messages "${m.name}": OperatorCommand is not stored by the dashboard and will not be rendered`);
    const data = { destinations: destinationsJson(m) as Prisma.InputJsonValue };
    const r = await upsert(ctx, "messages", "messages", scoped(m.name), m.name, { ...scoped(m.name), ...data }, data);
    ids.messages.set(m.name, r.id);
  }
  if (dir.messages) {
    const names = [...ids.messages.keys()].sort();
    const rendered = names.includes("Daemon") ? "Daemon" : names[0];
    if (!ids.messages.has(dir.messages)) err(dAt("Messages"), `Director "${dir.name}": Messages refers to "${dir.messages}", which does not exist`);
    else if (rendered !== dir.messages)
      warn(dAt("Messages"), `Director "${dir.name}": Messages = "${dir.messages}" is not kept; the dashboard renders the Director's Messages as "${rendered}" (the one named Daemon, else the first by name)`);
  }

  // Schedules.
  for (const s of cfg.schedules) {
    const data = { runs: (s.run ?? []) as Prisma.InputJsonValue };
    const r = await upsert(ctx, "schedules", "schedule", scoped(s.name), s.name, { ...scoped(s.name), ...data }, data);
    ids.schedules.set(s.name, r.id);
  }

  // FileSets.
  for (const f of cfg.filesets) {
    const data = {
      includes: (f.include ?? []) as Prisma.InputJsonValue,
      excludes: (f.exclude ?? []) as Prisma.InputJsonValue,
      signature: f.signature ?? null,
      compression: f.compression ?? null,
    };
    const r = await upsert(ctx, "filesets", "fileSet", scoped(f.name), f.name, { ...scoped(f.name), ...data }, data);
    ids.filesets.set(f.name, r.id);
  }

  // Clients.
  for (const c of cfg.clients) {
    const w = at("Client", c.name);
    const missing = [!c.address && "Address", !c.password && "Password", !c.catalog && "Catalog"].filter(Boolean);
    if (missing.length) {
      err(w, `Client "${c.name}": ${missing.join(", ")} ${missing.length > 1 ? "are" : "is"} required; not imported`);
      continue;
    }
    const catalogId = ref(ids.catalogs, "Catalog", "Catalog", "Client", c.name, "Catalog", c.catalog, true);
    if (!catalogId) continue;
    if (c.description) warn(at("Client", c.name, "Description"), `Client "${c.name}": Description is not stored by the dashboard`);
    const data = {
      address: c.address!,
      port: c.fdPort ?? BACULA_DEFAULTS.fdPort,
      passwordEnc: encryptSecret(c.password!),
      catalogId,
      fileRetention: c.fileRetention ?? null,
      jobRetention: c.jobRetention ?? null,
      autoPrune: c.autoPrune ?? true,
    };
    const r = await upsert(ctx, "clients", "client", scoped(c.name), c.name, { ...scoped(c.name), ...data }, data);
    ids.clients.set(c.name, r.id);
  }

  // Storages: each needs a Storage Daemon (address:port) and a device on it.
  for (const s of cfg.storages) {
    const w = at("Storage", s.name);
    const missing = [!s.address && "Address", !s.device && "Device", !s.mediaType && "Media Type"].filter(Boolean);
    if (missing.length) {
      err(w, `Storage "${s.name}": ${missing.join(", ")} ${missing.length > 1 ? "are" : "is"} required; not imported`);
      continue;
    }
    const port = s.sdPort ?? BACULA_DEFAULTS.sdPort;
    const sd = await findOrPlaceholderSd(ctx, sds, s.address!, port, s.device!, s.password, w, s.name);
    if (!sd) {
      err(w, `Storage "${s.name}": no Storage Daemon at ${s.address}:${port} is known and the Storage has no Password to create one; not imported`);
      continue;
    }
    if (s.password && sd.password && s.password !== sd.password)
      warn(at("Storage", s.name, "Password"),
        `Storage "${s.name}": its Password differs from the one of Storage Daemon "${sd.name}"${sd.fromSdConfig ? " in its bacula-sd.conf" : ""}; the dashboard keeps one password per Storage Daemon (the Storage Daemon's)`);
    let device = sd.devices.get(s.device!);
    const changer = sd.changers.get(s.device!);
    if (!device && changer?.length && sd.devices.get(changer[0])) {
      device = sd.devices.get(changer[0]);
      warn(at("Storage", s.name, "Device"),
        `Storage "${s.name}": Device "${s.device}" is an Autochanger of Storage Daemon "${sd.name}", which the dashboard does not model; the Storage now uses its first drive "${changer[0]}" (and is no longer marked Autochanger)`);
    }
    if (!device) {
      const row = await ctx.tx.device.findFirst({ where: { storageDaemonId: sd.id, name: s.device! } });
      if (row) device = { id: row.id, mediaType: row.mediaType };
    }
    if (!device) {
      const archiveDevice = `/var/lib/bacula/volumes/${s.device!.replace(/[^A-Za-z0-9._-]/g, "_")}`;
      const r = await upsert(ctx, "devices", "device", { storageDaemonId: sd.id, name: s.device! }, s.device!,
        { name: s.device!, storageDaemonId: sd.id, mediaType: s.mediaType!, archiveDevice, labelMedia: true }, {}, true);
      device = { id: r.id, mediaType: s.mediaType! };
      warn(at("Storage", s.name, "Device"),
        `Storage "${s.name}": Storage Daemon "${sd.name}" has no device "${s.device}"; created a placeholder device (File, Archive Device ${archiveDevice}) — import the SD's config or edit it`);
    }
    if (!changer) sd.devices.set(s.device!, device);
    if (device.mediaType !== s.mediaType)
      warn(at("Storage", s.name, "Media Type"), `Storage "${s.name}": Media Type "${s.mediaType}" differs from device "${s.device}"'s "${device.mediaType}"; Bacula will not find volumes`);
    if (!changer && typeof s.autochanger === "string" && s.autochanger !== s.name)
      warn(at("Storage", s.name, "Autochanger"),
        `Storage "${s.name}": Autochanger = "${s.autochanger}" (a shared changer) is not kept; the dashboard writes Autochanger = yes`);
    const data = {
      storageDaemonId: sd.id,
      deviceId: device.id,
      mediaType: s.mediaType!,
      maxConcurrentJobs: s.maxConcurrentJobs ?? BACULA_DEFAULTS.storageMaxJobs,
      autochanger: !changer && (s.autochanger === true || typeof s.autochanger === "string"),
    };
    const r = await upsert(ctx, "storages", "storage", scoped(s.name), s.name, { ...scoped(s.name), ...data }, data);
    ids.storages.set(s.name, r.id);
  }

  const storageGroup = async (owner: "poolId" | "jobId" | "jobDefsId", ownerId: number, kind: ResourceKind, name: string, list: string[] | undefined) => {
    await ctx.tx.storageGroupMember.deleteMany({ where: { [owner]: ownerId } });
    const rows: { storageId: number; position: number }[] = [];
    for (const s of list ?? []) {
      const id = ref(ids.storages, "Storage", "Storage", kind, name, "Storage", s);
      if (id) rows.push({ storageId: id, position: rows.length });
    }
    if (rows.length) await ctx.tx.storageGroupMember.createMany({ data: rows.map((r) => ({ ...r, [owner]: ownerId })) });
  };

  // Pools, then their Next Pools.
  const poolIds: Array<[string, number]> = [];
  for (const p of cfg.pools) {
    if (!p.poolType) warn(at("Pool", p.name), `Pool "${p.name}": no Pool Type; the dashboard writes Pool Type = Backup`);
    const data = {
      poolType: p.poolType ?? "Backup",
      volumeRetention: p.volumeRetention ?? null,
      labelFormat: p.labelFormat ?? null,
      maximumVolumeBytes: p.maximumVolumeBytes ?? null,
      maximumVolumes: p.maximumVolumes ?? null,
      recycle: p.recycle ?? true,
      autoPrune: p.autoPrune ?? true,
      storagePolicy: p.storageGroupPolicy ?? null,
      storagePolicyThreshold: p.storageGroupPolicyThreshold ?? null,
      nextPoolId: null,
    };
    const r = await upsert(ctx, "pools", "pool", scoped(p.name), p.name, { ...scoped(p.name), ...data }, data);
    ids.pools.set(p.name, r.id);
    poolIds.push([p.name, r.id]);
    await storageGroup("poolId", r.id, "Pool", p.name, p.storage);
  }
  for (const p of cfg.pools) {
    if (!p.nextPool) continue;
    const id = ref(ids.pools, "Pool", "Pool", "Pool", p.name, "Next Pool", p.nextPool);
    if (id) await ctx.tx.pool.update({ where: { id: ids.pools.get(p.name)! }, data: { nextPoolId: id } });
  }

  // JobDefs: what the dashboard's JobDefs cannot hold goes down to the Jobs that use it.
  const JOBDEFS_ONLY_ON_JOBS: Array<[keyof JobLike, string]> = [
    ["nextPool", "Next Pool"], ["storageGroupPolicyThreshold", "StorageGroupPolicyThreshold"], ["selectionType", "Selection Type"],
    ["selectionPattern", "Selection Pattern"], ["run", "Run"], ["runScripts", "RunScript"], ["maxConcurrentJobs", "Maximum Concurrent Jobs"],
    ["enabled", "Enabled"],
  ];
  for (const jd of cfg.jobDefs) {
    const w = (d?: string) => at("JobDefs", jd.name, d);
    const pushed = JOBDEFS_ONLY_ON_JOBS.filter(([k]) => jd[k] !== undefined && !(Array.isArray(jd[k]) && (jd[k] as unknown[]).length === 0));
    if (pushed.length) {
      const users = cfg.jobs.filter((j) => j.jobDefs === jd.name).map((j) => j.name);
      warn(w(pushed[0][1]),
        `JobDefs "${jd.name}": ${pushed.map(([, l]) => l).join(", ")} cannot be stored on a JobDefs in the dashboard; copied to the Jobs that use it and do not set it themselves${users.length ? ` (${users.join(", ")})` : " (none)"}`);
    }
    if (jd.description) warn(w("Description"), `JobDefs "${jd.name}": Description is not stored by the dashboard`);
    const data = {
      type: jd.type ?? null,
      level: jd.level ?? null,
      poolId: ref(ids.pools, "Pool", "Pool", "JobDefs", jd.name, "Pool", jd.pool) ?? null,
      clientId: ref(ids.clients, "Client", "Client", "JobDefs", jd.name, "Client", jd.client) ?? null,
      fileSetId: ref(ids.filesets, "FileSet", "FileSet", "JobDefs", jd.name, "FileSet", jd.fileset) ?? null,
      scheduleId: ref(ids.schedules, "Schedule", "Schedule", "JobDefs", jd.name, "Schedule", jd.schedule) ?? null,
      messagesId: ref(ids.messages, "Messages", "Messages", "JobDefs", jd.name, "Messages", jd.messages) ?? null,
      storagePolicy: jd.storageGroupPolicy ?? null,
      priority: jd.priority ?? null,
    };
    const r = await upsert(ctx, "jobdefs", "jobDefs", scoped(jd.name), jd.name, { ...scoped(jd.name), ...data }, data);
    ids.jobDefs.set(jd.name, r.id);
    await storageGroup("jobDefsId", r.id, "JobDefs", jd.name, jd.storage);
  }

  // Jobs.
  for (const job of cfg.jobs) {
    const w = (d?: string) => at("Job", job.name, d);
    const jd = job.jobDefs ? cfg.jobDefs.find((x) => x.name === job.jobDefs) : undefined;
    const jobDefsId = ref(ids.jobDefs, "JobDefs", "JobDefs", "Job", job.name, "JobDefs", job.jobDefs);
    const j: JobLike = { ...job };
    if (jd) for (const [k] of JOBDEFS_ONLY_ON_JOBS) if (j[k] === undefined && jd[k] !== undefined) (j as unknown as Record<string, unknown>)[k] = jd[k];
    const type = j.type ?? jd?.type;
    if (!type) {
      err(w(), `Job "${job.name}": Type is required (neither the Job nor its JobDefs sets it); not imported`);
      continue;
    }
    if (job.description) warn(w("Description"), `Job "${job.name}": Description is not stored by the dashboard`);
    const data = {
      type,
      level: j.level ?? null,
      enabled: j.enabled ?? true,
      jobDefsId: jobDefsId ?? null,
      poolId: ref(ids.pools, "Pool", "Pool", "Job", job.name, "Pool", j.pool) ?? null,
      nextPoolId: ref(ids.pools, "Pool", "Pool", "Job", job.name, "Next Pool", j.nextPool) ?? null,
      clientId: ref(ids.clients, "Client", "Client", "Job", job.name, "Client", j.client) ?? null,
      fileSetId: ref(ids.filesets, "FileSet", "FileSet", "Job", job.name, "FileSet", j.fileset) ?? null,
      scheduleId: ref(ids.schedules, "Schedule", "Schedule", "Job", job.name, "Schedule", j.schedule) ?? null,
      messagesId: ref(ids.messages, "Messages", "Messages", "Job", job.name, "Messages", j.messages) ?? null,
      storagePolicy: j.storageGroupPolicy ?? null,
      storagePolicyThreshold: j.storageGroupPolicyThreshold ?? null,
      selectionType: j.selectionType ?? null,
      selectionPattern: j.selectionPattern ?? null,
      runLines: (j.run ?? []) as Prisma.InputJsonValue,
      runScripts: (j.runScripts ?? []) as unknown as Prisma.InputJsonValue,
      priority: j.priority ?? null,
      maxConcurrentJobs: j.maxConcurrentJobs ?? null,
    };
    const r = await upsert(ctx, "jobs", "job", scoped(job.name), job.name, { ...scoped(job.name), ...data }, data);
    await storageGroup("jobId", r.id, "Job", job.name, j.storage);
  }
}

/* ------------------------------------------------------------------ entry point */

/**
 * Imports parsed configs: Storage Daemon configs first (so that Director Storages find their SD and
 * device), then Directors. One transaction; see the module comment for errors and dry runs.
 */
export async function importConfigs(db: Db, sources: ParsedSource[], opts: ImportOptions = {}): Promise<ImportReport> {
  const parseIssues: ImportIssue[] = sources.flatMap((s) =>
    s.result.issues.map((i: ParseIssue) => ({ file: i.file || s.file, line: i.line, severity: i.severity, stage: "parse" as const, message: i.message })),
  );
  const dirSources = sources.filter((s): s is ParsedDirectorSource => s.daemon === "dir");
  const sdSources = sources.filter((s): s is ParsedSdSource => s.daemon === "sd");
  const seen = new Map<string, string>();
  for (const s of dirSources) {
    const n = s.result.config.director.name;
    if (n && seen.has(n)) parseIssues.push({ file: s.file, line: 0, severity: "error", stage: "map", message: `Director "${n}" is also defined in ${seen.get(n)}` });
    if (n) seen.set(n, s.file);
  }
  const dryRun = !!opts.dryRun;
  try {
    return await db.$transaction(
      async (tx) => {
        const ctx: Ctx = { tx, issues: [...parseIssues], changes: [], actor: opts.actor ?? "import", ip: opts.ip };
        const sds: SdInfo[] = [];
        for (const s of sdSources) {
          const info = await importStorageDaemon(ctx, s, dirSources);
          if (info) sds.push(info);
        }
        for (const s of dirSources) await importDirector(ctx, s, sds, opts);
        const hasErrors = ctx.issues.some((i) => i.severity === "error");
        const report: ImportReport = { applied: false, dryRun, issues: sortIssues(ctx.issues), changes: ctx.changes };
        if (dryRun || (hasErrors && !opts.allowErrors)) throw new Rollback(report);
        report.revision = await bumpModelRevision(tx);
        await audit(
          {
            actor: ctx.actor,
            ip: opts.ip,
            action: "import",
            entityType: "config",
            entityName: sources.map((s) => path.basename(s.file)).join(", "),
            after: {
              files: sources.map((s) => s.file),
              created: ctx.changes.filter((c) => c.action === "create").length,
              updated: ctx.changes.filter((c) => c.action === "update").length,
              placeholders: ctx.changes.filter((c) => c.placeholder).map((c) => `${c.kind} ${c.name}`),
              errors: ctx.issues.filter((i) => i.severity === "error").length,
              warnings: ctx.issues.filter((i) => i.severity === "warning").length,
            },
          },
          tx,
        );
        report.applied = true;
        return report;
      },
      { timeout: 30 * 60_000, maxWait: 30_000 },
    );
  } catch (e) {
    if (e instanceof Rollback) return e.report;
    throw e;
  }
}

function sortIssues(issues: ImportIssue[]): ImportIssue[] {
  return [...issues].sort((a, b) => (a.file === b.file ? a.line - b.line : a.file < b.file ? -1 : 1));
}

export function formatIssue(i: ImportIssue): string {
  return `${i.file}:${i.line}: ${i.severity}: ${i.message}`;
}
