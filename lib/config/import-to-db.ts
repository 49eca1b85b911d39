/**
 * Import existing bacula-dir.conf / bacula-sd.conf / bacula-fd.conf files into the dashboard's database, keeping
 * every directive: what the app reasons about goes to typed columns (lib/config/columns.ts), the
 * rest to each record's generic items, and resources of types without a page to ConfigResource.
 *
 * - The files are checked the way Bacula's parser would (lib/bacula/check-tree.ts) before anything
 *   is written: what Bacula would refuse is an error with its file and line. By default an import
 *   with errors writes nothing; `allowErrors` leaves out the resources in error (and those that
 *   then refer to a missing one) and says which.
 * - Daemons are matched by name, never by address (several SDs listen on 0.0.0.0). A Director's
 *   Storage finds its Storage Daemon by the SD's Director password, port and device names.
 * - One transaction; records are compared with what is stored, so importing the same files again
 *   changes nothing: no update, no audit event, no model revision bump.
 * - After writing, every Director and SD the import touched is rendered and validated inside the
 *   transaction: an import whose result cannot be rendered is refused.
 * - A bacula-fd.conf goes onto the Client it serves (lib/config/import-fd.ts); a bconsole.conf is
 *   recognised and not imported (the dashboard writes its own for each Director).
 * - A dry run can record what it wrote (ImportPlan); the import of the same files then replays
 *   that, checked statement by statement against the database's answers (applyPlan), and works the
 *   import out again when the database answers otherwise.
 */
import fs from "node:fs";
import path from "node:path";
import { Prisma, type Director, type PrismaClient } from "@prisma/client";
import { auditMany, bumpModelRevision, type AuditInput } from "@/lib/audit";
import { boundArg, bulkInsert, bulkSetColumn, bulkUpdate } from "@/lib/db/bulk";
import { directQuery, rawQuery, recordStatements, stopRecording, type RecordedStatement } from "@/lib/db/direct";
import { replayStatements, StaleRecording } from "@/lib/db/replay";
import { rawFindMany } from "@/lib/db/raw-rows";
import { holdSetting, param, updatedAtColumn } from "@/lib/db/sql";
import { dbNulls, type Tx } from "@/lib/db/client";
import { decryptSecret, encryptSecret } from "@/lib/secrets";
import { parseDirector, parseStorageDaemon, type ParseResult } from "@/lib/bacula/parse";
import { parseTree, type ParseIssue } from "@/lib/bacula/parser";
import type { DirectorConfig, JobLike, MessageDestination, StorageDaemonConfig } from "@/lib/bacula/model";
import { treeProblems, validateDirector, validateStorageDaemon, type Problem } from "@/lib/bacula/validate";
import { findResource, normalizeKeyword } from "@/lib/bacula/tables";
import { withoutPos, type ConfigTree, type Item, type ResourceNode } from "@/lib/bacula/tree";
import { KINDS, kindOfNode, listenAddress, nodeToTyped, resourceDefOf, tablePort, typedToNode, type KindSpec, type Obj, type ResourceKind } from "@/lib/bacula/typed";
import { directorTree, storageDaemonTree } from "@/lib/bacula/render";
import { splitColumns } from "./columns";
import { jsonEqual } from "@/lib/json/equal";
import { includeResolver, type FileAccess } from "./includes";
import { openItems, sealItems } from "./items";
import { configResources, loadDirectorConfig, loadStorageDaemonConfig, modelRevision, storageGroupMembers } from "./from-db";
import { loadFileDaemonConfig } from "./fd-from-db";
import { fileDaemonName, importFileDaemon, type FdImportTools } from "./import-fd";
import { unusedStorageDaemon } from "./unused-sd";
import { claimPlaceholders, movePlaceholderStorages, placeholderDevice, retirePlaceholder, type PlaceholderTools } from "./import-placeholders";
import { fileDaemonStartProblems, validateFileDaemon } from "@/lib/bacula/fd-console";

export type Daemon = "dir" | "sd" | "fd" | "console" | "monitor";

export interface ParsedDirectorSource {
  daemon: "dir";
  file: string;
  result: ParseResult<DirectorConfig>;
}
export interface ParsedSdSource {
  daemon: "sd";
  file: string;
  result: ParseResult<StorageDaemonConfig>;
}
/** A bacula-fd.conf (its tree: the typed model is the Client's, built at import), or a bconsole.conf or tray monitor config (recognised, not imported). */
export interface ParsedTreeSource {
  daemon: "fd" | "console" | "monitor";
  file: string;
  /** `name`: the File Daemon's (fd), "" for a bconsole.conf. */
  result: ParseResult<{ name: string }>;
}
export type ParsedSource = ParsedDirectorSource | ParsedSdSource | ParsedTreeSource;

/** What a daemon's configuration is called in messages. */
export const DAEMON_LABEL: Record<Daemon, string> = { dir: "Director", sd: "Storage Daemon", fd: "File Daemon", console: "bconsole", monitor: "tray monitor" };

export interface ImportIssue {
  file: string;
  line: number;
  severity: "error" | "warning";
  /** parse: the file cannot be read as Bacula reads it; check: Bacula would refuse it; map: what the dashboard cannot resolve. */
  stage: "parse" | "check" | "map";
  message: string;
}

export interface ImportChange {
  /** delete: a stored resource a re-imported bacula-fd.conf no longer has. */
  action: "create" | "update" | "delete";
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
  /** Resources left out (with allowErrors) because of errors. */
  leftOut: { file: string; line: number; resource: string; name: string }[];
  /** Model revision after the import (when applied and something changed). */
  revision?: number;
  /** The import applied the statements its dry run recorded (ImportOptions.plan) rather than working them out again. */
  replayed?: boolean;
}

export interface ImportOptions {
  actor?: string;
  ip?: string | null;
  dryRun?: boolean;
  /** Write what can be imported even when there are errors (the resources in error are left out). */
  allowErrors?: boolean;
  /** Director version recorded for imported Directors (default 15.0.3). */
  version?: string;
  /**
   * The model revision the operator's dry run saw (the Import page): when the model has changed
   * since, nothing is written and ModelChangedError is thrown, checked inside the transaction.
   */
  expectRevision?: number;
  /**
   * With dryRun: also write the audit events and bump the model revision, as an import does, before
   * rolling back (the server's warm-up, lib/config/warm-import.ts: the write path warmed too).
   */
  rehearse?: boolean;
  /** A dry run puts here what it did, for the import of the same prepared files to replay (ImportPlan). */
  recordPlan?: { plan?: ImportPlan };
  /** An import (with expectRevision) applies this plan of its dry run when the database still answers as it did; else it works the import out again. */
  plan?: ImportPlan;
}

/**
 * What a dry run did, kept for the import of the same files (lib/config/upload-reads.ts): the
 * statements it ran on its transaction's connection with the rows each gave (lib/db/direct.ts), the
 * clock it stamped created rows with, and its report's changes, issues and audit events. Made only
 * where the transaction's connection ran every statement of the import (no statement through Prisma
 * besides the probe) and repeats statements as SQLite's does (PostgreSQL's sequences do not roll
 * back with a dry run, so its ids would never match).
 */
export interface ImportPlan {
  readonly statements: readonly RecordedStatement[];
  readonly now: Date;
  readonly issues: readonly ImportIssue[];
  readonly changes: readonly ImportChange[];
  readonly leftOut: ImportReport["leftOut"];
  readonly audits: readonly AuditInput[];
}

/** The model changed between the dry run an operator reviewed and the import they asked for. */
export class ModelChangedError extends Error {
  constructor(
    readonly expected: number,
    readonly current: number,
  ) {
    super(`the model changed since the dry run (revision ${expected}, now ${current}): run the dry run again and check what it says`);
    this.name = "ModelChangedError";
  }
}

/** Thrown inside the transaction to roll it back; carries the report. */
class Rollback extends Error {
  constructor(readonly report: ImportReport) {
    super("rolled back");
  }
}

/* ------------------------------------------------------------------ reading */

/** Resource types only a Director config opens (a File Daemon has Client as an old name of FileDaemon, and Console and Schedule resources). */
const DIR_ONLY: ReadonlySet<string> = new Set(["job", "jobdefs", "pool", "fileset", "catalog", "counter"]);

/** A Director's own directive (its Director resource needs it), at the start of a line. */
const QUERY_FILE_LINE = /^[ \t]*Query[ \t]*File[ \t]*=/im;

/** The daemon whose configuration a text is, from the resource types it opens (and a few directives). */
export function detectDaemon(text: string): Daemon | undefined {
  return detectDaemonOf(text).daemon;
}

/** The daemon, and whether a resource type only that daemon has decided it (else more text may change the answer). */
function detectDaemonOf(text: string): { daemon: Daemon | undefined; definite: boolean } {
  const clean = text.replace(/"(?:\\.|[^"\\])*"/g, '""').replace(/#[^\n]*/g, "");
  const kws = new Set<string>();
  // (Bounded runs: an open `\s*` or keyword took quadratic time over a long run of blanks, which a
  // hostile file of the import's 16 MiB could hold.)
  for (const m of clean.matchAll(/(^|[\n;{}])[ \t\r]*([A-Za-z][A-Za-z ]{0,60}?)[ \t\r\n]{0,64}\{/g)) {
    const kw = normalizeKeyword(m[2]);
    // One resource type only a Director has decides (a Director config opens thousands of resources).
    if (DIR_ONLY.has(kw)) return { daemon: "dir", definite: true };
    if (kw === "filedaemon") return { daemon: "fd", definite: true };
    // The tray monitor's own resource (bacula-tray-monitor.conf).
    if (kw === "monitor") return { daemon: "monitor", definite: true };
    kws.add(kw);
  }
  if (kws.has("device") || kws.has("cloud")) return { daemon: "sd", definite: true };
  if (kws.has("storage")) return { daemon: /QueryFile/i.test(clean) ? "dir" : "sd", definite: false };
  // "Client" beside a Director that has no QueryFile (which every Director's own resource needs):
  // the FileDaemon resource under its old name.
  if (kws.has("client") && kws.has("director")) return { daemon: QUERY_FILE_LINE.test(clean) ? "dir" : "fd", definite: false };
  // Only Director and Console resources, none with a Director's own directories: bconsole.conf.
  if (kws.has("director") && [...kws].every((k) => k === "director" || k === "console") && !/^[ \t]*(Query[ \t]*File|Working[ \t]*Directory|Pid[ \t]*Directory)[ \t]*=/im.test(clean)) return { daemon: "console", definite: false };
  // A QueryFile is a Director's own directive: its resource is here.
  if (kws.has("director")) return { daemon: "dir", definite: QUERY_FILE_LINE.test(clean) };
  // A main file made only of @ lines: look at what it includes.
  return { daemon: undefined, definite: false };
}

/** The texts a config's `@` includes bring in (`deep`: and theirs, as the lexer reads them). */
function includedTexts(text: string, abs: string, access: FileAccess, deep: boolean): string[] {
  const seen: string[] = [];
  const probe = includeResolver(access);
  parseTree(text, "dir", {
    file: abs,
    include: (target, from) => {
      const r = probe(target, from);
      if (r.kind !== "files") return r;
      for (const f of r.files) seen.push(f.text);
      return deep ? r : { ...r, files: r.files.map((f) => ({ ...f, text: "" })) };
    },
  });
  return seen;
}

/** Regular files only, capped in size; directories listed as they are. */
export const defaultFileAccess: FileAccess = {
  readFile(abs: string): string {
    const st = fs.statSync(abs);
    if (!st.isFile()) throw new Error("not a regular file");
    if (st.size > 16 * 1024 * 1024) throw new Error(`larger than 16 MiB (${st.size} bytes)`);
    return fs.readFileSync(abs, "utf8");
  },
  listDir(abs: string): string[] {
    return fs.readdirSync(abs);
  },
};

/** Reads and parses one config file with its includes, detecting the daemon unless given. */
export function parseConfigFile(file: string, daemon?: Daemon, opts: { version?: string; access?: FileAccess } = {}): ParsedSource {
  const access = opts.access ?? defaultFileAccess;
  const abs = path.resolve(file);
  const text = access.readFile(abs);
  let d = daemon;
  if (!d) {
    const first = detectDaemonOf(text);
    d = first.daemon;
    if (d === undefined) {
      // A main file made only of @ lines: decide from the files it includes, found by the lexer itself
      // (a regex over the lines took `@file # comment` and `@|"sh -c '…'"` for file names).
      d = detectDaemon(includedTexts(text, abs, access, true).join("\n"));
    } else if (!first.definite && /(^|[\s;{}])@/m.test(text)) {
      // The main file's own resources leave it open (a FileDaemon kept in an included file): look at
      // the files it includes too, one level, without reading them as config yet.
      d = detectDaemon([text, ...includedTexts(text, abs, access, false)].join("\n")) ?? d;
    }
  }
  return parseConfigText(text, abs, d, { version: opts.version, include: includeResolver(access) });
}

export function parseConfigText(
  text: string,
  file: string,
  daemon?: Daemon,
  opts: { version?: string; include?: (target: string, from: string, line: number) => import("@/lib/bacula/lexer").IncludeResult } = {},
): ParsedSource {
  const d = daemon ?? detectDaemon(text);
  if (!d) throw new Error(`${file}: cannot tell which daemon's config this is (no Job, Pool, Device, FileDaemon... resource)`);
  if (d === "dir") return { daemon: "dir", file, result: parseDirector(text, { file, include: opts.include, version: opts.version }) };
  if (d === "sd") return { daemon: "sd", file, result: parseStorageDaemon(text, { file, include: opts.include }) };
  if (d !== "fd") return { daemon: d, file, result: { config: { name: "" }, tree: { daemon: "console", resources: [] }, issues: [] } };
  const { tree, issues } = parseTree(text, d, { file, include: opts.include });
  return { daemon: d, file, result: { config: { name: fileDaemonName(tree) }, tree, issues } };
}

/* ------------------------------------------------------------------ helpers */

type Db = PrismaClient;

interface Ctx {
  tx: Tx;
  issues: ImportIssue[];
  changes: ImportChange[];
  audits: AuditInput[];
  actor: string;
  ip?: string | null;
  touchedDirectors: Set<number>;
  touchedSds: Set<number>;
  /** Daemons this import created ("dir:<name>", and "dir:<id>" / "sd:<id>"). */
  createdDaemons: Set<string>;
  createdIds: Set<string>;
  /** SDs known only from a Director's Storage: their config is the dashboard's own. */
  placeholderSds: Set<number>;
  /** The stored SD of each name that one SD config of this import holds (null: none), read in one query. */
  storedSds: Map<string, StoredSd | null>;
  /** The import's one clock: every row it creates is stamped with it. */
  now: Date;
}

type StoredSd = NonNullable<Awaited<ReturnType<Tx["storageDaemon"]["findUnique"]>>>;

/**
 * The stored Storage Daemons of the SD configs' names, in one query instead of one per config. A
 * name two configs give is left out: the first may create it, the second reads it when its turn comes.
 */
async function storedSdsOf(tx: Tx, sdSources: readonly ParsedSdSource[]): Promise<Map<string, StoredSd | null>> {
  const count = new Map<string, number>();
  for (const s of sdSources) if (s.result.config.storage.name) count.set(s.result.config.storage.name, (count.get(s.result.config.storage.name) ?? 0) + 1);
  const names = [...count].filter(([, n]) => n === 1).map(([name]) => name);
  const out = new Map<string, StoredSd | null>(names.map((n) => [n, null]));
  for (const row of await rawFindMany<StoredSd>(tx, "StorageDaemon", { name: names })) out.set(row.name, row);
  return out;
}

// Bacula's defaults, from the directive tables (the ports a Director's Storage and Client dial, and a Director listens on).
const SD_DEFAULT_PORT = tablePort("Storage", "SdPort");
const DIR_DEFAULT_PORT = tablePort("Director", "DirPort");
const FD_DEFAULT_PORT = tablePort("Client", "FdPort");

function posOf(node: { pos?: { file: string; line: number } } | undefined, file: string) {
  return node?.pos ?? { file, line: 0 };
}

function issue(ctx: Ctx, where: { file: string; line: number }, severity: "error" | "warning", message: string) {
  ctx.issues.push({ file: where.file, line: where.line, severity, stage: "map", message });
}

/** A stable JSON form for comparisons (object keys sorted). */
function canon(v: unknown): string {
  return JSON.stringify(v, (_k, x) => (x && typeof x === "object" && !Array.isArray(x) ? Object.fromEntries(Object.entries(x).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : x));
}

/** Two lists of ids alike, in order (what comparing their canon() texts says, without writing them). */
function sameIds(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** A desired row: plain columns, secrets in clear (encrypted only when written), generic items. */
interface Desired {
  cols: Record<string, unknown>;
  secrets?: Record<string, string | undefined>;
  /** Column name -> items, stored sealed (passwords encrypted). */
  items?: Record<string, { items: Item[]; kind?: ResourceKind; type?: string; daemon?: "dir" | "sd" | "fd" }>;
}

function sealFor(spec: { items: Item[]; kind?: ResourceKind; type?: string; daemon?: "dir" | "sd" | "fd" }) {
  const container = spec.kind ? resourceDefOf(spec.kind) : spec.type ? findResource(spec.daemon ?? "dir", spec.type) : undefined;
  return spec.items.length > 0 ? (sealItems(spec.items, container) as unknown as Prisma.InputJsonValue) : null;
}

function openFor(json: unknown, spec: { kind?: ResourceKind; type?: string; daemon?: "dir" | "sd" | "fd" }): Item[] {
  const container = spec.kind ? resourceDefOf(spec.kind) : spec.type ? findResource(spec.daemon ?? "dir", spec.type) : undefined;
  return openItems(json, container);
}

/** The data to write for a desired row (secrets encrypted, items sealed), after `scope`'s columns when given. */
function toData(d: Desired, scope?: Record<string, unknown>): Record<string, unknown> {
  // (Object.assign rather than spreads here and below: measured several times faster on these rows.)
  const data: Record<string, unknown> = scope ? Object.assign({}, scope, d.cols) : Object.assign({}, d.cols);
  if (d.secrets) for (const k in d.secrets) data[k] = d.secrets[k] === undefined ? null : encryptSecret(d.secrets[k]);
  if (d.items) for (const k in d.items) data[k] = sealFor(d.items[k]) ?? dbNulls.DbNull;
  return data;
}

/** A created row: the scope's columns, the data, the timestamps (Prisma writes them; the DB default has another format). */
function createRow(d: Desired, scope: Record<string, unknown>, now: Date): Record<string, unknown> {
  const row = toData(d, scope);
  row.createdAt = now;
  row.updatedAt = now;
  return row;
}

/** Which fields of an existing row differ from the desired one (secrets and items compared in clear). */
function changedFields(existing: Record<string, unknown>, d: Desired): string[] {
  const out: string[] = [];
  for (const k in d.cols) if (!jsonEqual(existing[k] ?? null, d.cols[k] ?? null)) out.push(k);
  for (const [k, v] of Object.entries(d.secrets ?? {})) {
    const e = existing[k] as string | null | undefined;
    const plain = e ? decryptSecret(e) : undefined;
    if ((plain ?? null) !== (v ?? null)) out.push(k);
  }
  for (const [k, spec] of Object.entries(d.items ?? {})) {
    // Stored items have no positions (sealItems drops them); parsed ones do: compare without.
    const e = openFor(existing[k], spec);
    if (!jsonEqual(e, spec.items.map((i) => withoutPos(i)))) out.push(k);
  }
  return out;
}

/**
 * What an import-update changed, for its audit event: a column's value before and after; for a
 * column of items, which directives were added, removed or changed (names only: an item may hold a
 * password); for a secret, only that it changed.
 */
function changeDetail(existing: Record<string, unknown>, d: Desired, changed: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of changed) {
    if (d.secrets && k in d.secrets) out[k] = "[secret changed]";
    else if (d.items && k in d.items) {
      const names = (items: readonly Item[]) => {
        const by = new Map<string, string[]>();
        for (const i of items) by.set(i.name, [...(by.get(i.name) ?? []), canon(withoutPos(i))]);
        return by;
      };
      const was = names(openFor(existing[k], d.items[k]));
      const now = names(d.items[k].items);
      const all = [...new Set([...was.keys(), ...now.keys()])];
      out[k] = {
        added: all.filter((n) => !was.has(n)),
        removed: all.filter((n) => !now.has(n)),
        changed: all.filter((n) => was.has(n) && now.has(n) && canon(was.get(n)) !== canon(now.get(n))),
      };
    } else {
      const e = existing[k];
      out[k] = { before: e instanceof Date ? e.toISOString() : (e ?? null), after: d.cols[k] ?? null };
    }
  }
  return out;
}

/** Creates or updates one record; records the change and an audit event only when something changed. */
async function save(
  ctx: Ctx,
  kind: string,
  model: string,
  existing: Record<string, unknown> | undefined,
  name: string,
  desired: Desired,
  scope: Record<string, unknown>,
  placeholder = false,
): Promise<number> {
  if (existing) {
    const changed = changedFields(existing, desired);
    if (changed.length === 0) return existing.id as number;
    const data = toData(desired);
    // The changed columns and the update's time (as Prisma's @updatedAt), on the transaction's connection.
    const table = tableOf(model);
    const stamp = updatedAtColumn(table);
    await bulkUpdate(ctx.tx, table, stamp ? [...changed, stamp] : changed, [[existing.id, ...changed.map((k) => data[k]), ...(stamp ? [ctx.now] : [])]]);
    ctx.changes.push({ action: "update", kind, name, id: existing.id as number });
    ctx.audits.push({ actor: ctx.actor, ip: ctx.ip, action: "import-update", entityType: kind, entityId: existing.id as number, entityName: name, after: { changed, detail: changeDetail(existing, desired, changed) } });
    return existing.id as number;
  }
  // A create is a one-row bulk insert (as saveMany's): one statement shape for every table, past Prisma's compiler.
  const [row] = await bulkInsert(ctx.tx, tableOf(model), [createRow(desired, scope, ctx.now)]);
  const id = Number(row.id);
  ctx.changes.push({ action: "create", kind, name, id, ...(placeholder ? { placeholder } : {}) });
  ctx.audits.push({ actor: ctx.actor, ip: ctx.ip, action: "import-create", entityType: kind, entityId: id, entityName: name, after: createdFields(desired.cols, placeholder) });
  return id;
}

/** The table of a Prisma model's client property ("storageDaemon" -> "StorageDaemon"). */
function tableOf(model: string): string {
  return model[0].toUpperCase() + model.slice(1);
}

interface Entry {
  name: string;
  existing?: Record<string, unknown>;
  desired: Desired;
  scope: Record<string, unknown>;
  placeholder?: boolean;
}

/**
 * save() for many records of one kind: updates one by one (only what changed), creates in one
 * statement. The ids by name (names are unique within the scope of one kind).
 */
async function saveMany(ctx: Ctx, kind: string, model: string, entries: Entry[], key: (e: Entry) => string = (e) => e.name): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  const creates: Entry[] = [];
  for (const e of entries) {
    if (e.existing) out.set(key(e), await save(ctx, kind, model, e.existing, e.name, e.desired, e.scope, e.placeholder));
    else creates.push(e);
  }
  if (creates.length === 0) return out;
  // One multi-row INSERT (Prisma's createMany compiles a query as large as its data).
  const made = await bulkInsert(ctx.tx, tableOf(model), creates.map((e) => createRow(e.desired, e.scope, ctx.now)), model === "configResource" ? ["id", "name", "type"] : ["id", "name"]);
  const byKey = new Map(made.map((r) => [model === "configResource" ? `${String(r.type)} ${String(r.name)}` : String(r.name), Number(r.id)]));
  for (const e of creates) {
    const id = byKey.get(key(e));
    if (id === undefined) throw new Error(`import: ${kind} "${e.name}" was not created`);
    out.set(key(e), id);
    ctx.changes.push(e.placeholder ? { action: "create", kind, name: e.name, id, placeholder: true } : { action: "create", kind, name: e.name, id });
    ctx.audits.push({ actor: ctx.actor, ip: ctx.ip, action: "import-create", entityType: kind, entityId: id, entityName: e.name, after: createdFields(e.desired.cols, e.placeholder) });
  }
  return out;
}

/**
 * What an import-create audit event records of a new record: the columns it set (an absent, null or
 * empty-list column is left out: a new record's unset columns say nothing, and 1,000 Jobs carried
 * ~40% of their audit text as nulls), and whether it is a placeholder.
 */
function createdFields(cols: Record<string, unknown>, placeholder?: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k in cols) {
    const v = cols[k];
    if (v === null || v === undefined || (Array.isArray(v) && v.length === 0)) continue;
    out[k] = v;
  }
  if (placeholder) out.placeholder = true;
  return out;
}

function byName<T extends Record<string, unknown>>(rows: T[]): Map<string, T> {
  return new Map(rows.map((r) => [String(r.name), r]));
}

/** A Bacula-valid resource name made from arbitrary text. */
function toName(s: string): string {
  const n = s.replace(/[^A-Za-z0-9:.\-_ ]/g, "_").slice(0, 127);
  return n || "imported";
}

/**
 * Stored resources (ConfigResource) of a scope: create, update or keep, by type and name. `fresh`:
 * the daemon of the scope was created by this import, so nothing is stored for it yet. `prune`: the
 * file is the scope's whole configuration (a bacula-fd.conf), so a stored resource it does not have
 * is removed, except those it has but left out for an error (`leftOut`).
 */
async function saveConfigResources(
  ctx: Ctx,
  scope: { directorId?: number; storageDaemonId?: number; clientId?: number },
  daemon: "dir" | "sd" | "fd",
  nodes: ResourceNode[],
  fresh: boolean,
  prune?: { leftOut: readonly ResourceNode[] },
) {
  if (nodes.length === 0 && !prune) return;
  const existing = fresh ? [] : await rawFindMany<{ id: number; type: string; name: string; position: number; items: unknown }>(ctx.tx, "ConfigResource", scope);
  const key = (type: string, name: string) => `${type}\u0000${name}`;
  const byKey = new Map(existing.map((r) => [key(r.type, r.name), r]));
  const maxPos = existing.reduce((m, r) => Math.max(m, r.position), -1);
  let next = maxPos + 1;
  const entries: Entry[] = nodes.map((node) => {
    const name = nameOf(node);
    const prev = byKey.get(key(node.type, name));
    return {
      name: `${node.type} ${name}`,
      existing: prev as unknown as Record<string, unknown> | undefined,
      desired: { cols: { type: node.type, name }, items: { items: { items: node.items, type: node.type, daemon } } },
      scope: { ...scope, position: prev ? prev.position : next++ },
    };
  });
  await saveMany(ctx, "resources", "configResource", entries);
  if (!prune) return;
  const keep = new Set([...nodes, ...prune.leftOut].map((n) => key(n.type, nameOf(n))));
  const gone = existing.filter((r) => !keep.has(key(r.type, r.name)));
  if (gone.length === 0) return;
  for (let i = 0; i < gone.length; i += 500) {
    const ids = gone.slice(i, i + 500).map((r) => r.id);
    await rawQuery(ctx.tx, `DELETE FROM "ConfigResource" WHERE "id" IN (${ids.map((_, k) => param(k + 1)).join(", ")})`, ids);
  }
  for (const r of gone) {
    ctx.changes.push({ action: "delete", kind: "resources", name: `${r.type} ${r.name}`, id: r.id });
    ctx.audits.push({ actor: ctx.actor, ip: ctx.ip, action: "import-delete", entityType: "resources", entityId: r.id, entityName: `${r.type} ${r.name}`, before: { type: r.type, name: r.name } });
  }
}

/** The importer's record writing for one bacula-fd.conf (lib/config/import-fd.ts). */
function fdTools(ctx: Ctx, src: ParsedTreeSource): FdImportTools {
  return {
    tx: ctx.tx,
    issue: (severity, at, message) => ctx.issues.push({ ...posOf(at, src.file), severity, stage: "map", message }),
    saveClient: async (existing, name, cols, items) => {
      await save(ctx, "clients", "client", existing, name, { cols, items: { fdExtra: { items: items.fdExtra, kind: "FdFileDaemon" }, fdDirectorExtra: { items: items.fdDirectorExtra, kind: "FdDirector" } } }, {});
    },
    saveResources: (clientId, nodes, leftOut) => saveConfigResources(ctx, { clientId }, "fd", nodes, false, { leftOut }),
  };
}

/* ------------------------------------------------------------------ checking */

interface Checked {
  /** Resources left out of the import (with allowErrors), by node. */
  excluded: Set<ResourceNode>;
  /** A parse error outside any resource: the file cannot be imported even in part. */
  unattributed: boolean;
}

/**
 * Directives the dashboard needs with a value to hold a Director resource (to reach its daemon):
 * Bacula takes `Address = ""`, the dashboard cannot deploy it.
 */
const NEEDED: Readonly<Record<string, readonly string[]>> = {
  Storage: ["Address", "Password", "Device", "MediaType"],
  Client: ["Address", "Password", "Catalog"],
};

/** Why the dashboard cannot store a resource Bacula accepts (a Director Storage with an empty address…), or undefined. */
function unstorable(tree: ConfigTree, n: ResourceNode): string | undefined {
  const needed = tree.daemon === "dir" ? NEEDED[n.type] : undefined;
  if (!needed) return undefined;
  const value = (name: string) => {
    const it = n.items.find((i) => i.kind === "directive" && i.name === name);
    return it && it.kind === "directive" ? it.value : undefined;
  };
  const missing = needed.filter((d) => {
    const v = value(d);
    return v === undefined || v === "" || (Array.isArray(v) && (v.length === 0 || v[0] === ""));
  });
  if (missing.length === 0) return undefined;
  return `${n.type} ${JSON.stringify(nameOf(n))}: ${missing.join(", ")} ${missing.length > 1 ? "are" : "is"} empty or missing; the dashboard needs ${missing.length > 1 ? "them" : "it"} to reach the daemon: not imported`;
}

/** The resource a parse problem lies in: the last one that starts before it in the same file. */
function nodeAtLine(tree: ConfigTree, file: string, line: number): ResourceNode | undefined {
  let best: ResourceNode | undefined;
  for (const n of tree.resources) if (n.pos && n.pos.file === file && n.pos.line <= line && (!best || n.pos.line >= best.pos!.line)) best = n;
  return best;
}

/**
 * What Bacula's parser would refuse, as import issues; with allowErrors, the resources in error are
 * left out (and, to a fixed point, the resources that then refer to a missing one).
 */
function checkSource(src: ParsedSource, version: string, opts: Pick<ImportOptions, "allowErrors">, leftOut: ImportReport["leftOut"], issues: ImportIssue[]): Checked {
  const excluded = new Set<ResourceNode>();
  const tree = src.result.tree;
  // A resource that did not parse cleanly is left out whole (Bacula would refuse the file): nothing half-read is written.
  let unattributed = false;
  if (opts.allowErrors)
    for (const i of src.result.issues) {
      if (i.severity !== "error") continue;
      const n = nodeAtLine(tree, i.file || src.file, i.line);
      if (n) excluded.add(n);
      else unattributed = true;
    }
  const nodeOf = (p: Problem): ResourceNode | undefined =>
    tree.resources.find((n) => {
      if (n.type !== p.resource && kindOfNode(tree.daemon, n) !== p.resource) return false;
      const nm = n.items.find((i) => i.kind === "directive" && i.name === "Name");
      return (nm && nm.kind === "directive" ? nm.value : "") === p.name;
    });
  // What Bacula accepts but the dashboard cannot hold: left out here, so that what refers to it is left out too.
  for (const n of tree.resources) {
    const why = unstorable(tree, n);
    if (!why) continue;
    issues.push({ ...posOf(n, src.file), severity: "error", stage: "check", message: why });
    excluded.add(n);
  }
  for (let round = 0; round < 5; round++) {
    const live = { daemon: tree.daemon, resources: tree.resources.filter((n) => !excluded.has(n)) };
    const problems = src.daemon === "dir" ? directorProblems(live, version) : src.daemon === "fd" ? [...treeProblems(live, undefined), ...fileDaemonStartProblems(live)] : treeProblems(live, undefined);
    const errors = problems.filter((p) => p.severity === "error");
    if (round === 0)
      for (const p of problems) {
        const n = p.resource === "Config" ? undefined : nodeOf(p);
        issues.push({ ...(p.pos ?? posOf(n, src.file)), severity: p.severity, stage: "check", message: p.message });
      }
    if (!opts.allowErrors || errors.length === 0) break;
    let more = false;
    for (const p of errors) {
      const n = p.resource === "Config" ? undefined : nodeOf(p);
      if (n && !excluded.has(n)) {
        excluded.add(n);
        more = true;
      }
    }
    if (!more) break;
  }
  if (unattributed) for (const n of tree.resources) excluded.add(n);
  for (const n of excluded) {
    const nm = n.items.find((i) => i.kind === "directive" && i.name === "Name");
    leftOut.push({ ...posOf(n, src.file), resource: n.type, name: nm && nm.kind === "directive" ? String(nm.value) : "" });
  }
  return { excluded, unattributed };
}

/** The tree checks of a Director config plus Job directives required after JobDefs. */
function directorProblems(tree: { daemon: "dir" | "sd" | "fd" | "console"; resources: ResourceNode[] }, version: string): Problem[] {
  const out = treeProblems(tree, version);
  // Bacula checks a Job's required directives after its JobDefs are applied.
  const jobdefs = new Map<string, ResourceNode>();
  for (const n of tree.resources) if (n.type === "JobDefs") jobdefs.set(nameOf(n), n);
  const required = resourceDefOf("Job").directives.filter((d) => d.required && d.name !== "Name");
  // (Plain loops: a closure made per Job and directive costs more than the check itself under tsx.)
  for (const n of tree.resources) {
    if (n.type !== "Job") continue;
    let jd: ResourceNode | undefined;
    for (const i of n.items)
      if (i.kind === "directive" && i.name === "JobDefs") {
        jd = jobdefs.get(String(i.value));
        break;
      }
    for (const d of required) {
      if (!holdsItem(n, d.name) && !holdsItem(jd, d.name))
        out.push({ resource: "Job", name: nameOf(n), field: d.name, rule: "required", message: `Job ${JSON.stringify(nameOf(n))}: ${d.name} is required${jd ? " (neither the Job nor its JobDefs sets it)" : ""}`, severity: "error" });
    }
  }
  return out;
}

/** Whether a resource holds a directive or block of that name. */
function holdsItem(n: ResourceNode | undefined, name: string): boolean {
  if (n) for (const i of n.items) if (i.name === name) return true;
  return false;
}

function nameOf(n: ResourceNode): string {
  const nm = n.items.find((i) => i.kind === "directive" && i.name === "Name");
  return nm && nm.kind === "directive" ? String(nm.value) : "";
}

/* ------------------------------------------------------------------ Storage Daemons */

interface SdInfo {
  id: number;
  name: string;
  address: string;
  port: number;
  /** The SD's password (the one derived Director resources get). */
  password?: string;
  /**
   * The SD's Director resources: name -> password. From its config in this import; for an SD stored
   * from its config earlier, its stored ones (what it accepts while no Storage of that Director reaches it).
   */
  directorPasswords: Map<string, string>;
  devices: Map<string, { id: number; mediaType: string }>;
  changers: Map<string, string[]>;
  fromSdConfig: boolean;
  /** A placeholder (made from a Director's Storage, no bacula-sd.conf of its own yet): devices it lacks are made up. */
  placeholder?: boolean;
}

const WILDCARD = new Set(["0.0.0.0", "::", "[::]", "*"]);

/** Where this import's file defines the resource a problem of the model is about (a problem found on the stored model has no position of its own). */
function resourcePos(src: ParsedDirectorSource, p: { resource: string; name: string }): { file: string; line: number } | undefined {
  const type = findResource("dir", p.resource)?.name;
  const node = src.result.tree.resources.find((n) => n.type === type && n.items.some((i) => i.kind === "directive" && i.name === "Name" && i.value === p.name));
  return node?.pos;
}

/**
 * Where an import's file stands for a problem found on the stored Director (which merges this file
 * with what earlier imports and the dashboard stored): the resource's own definition; for a resource
 * the file does not define (`stored`), the first resource of the file the problem's message names
 * (a stored Job whose JobDefs "X" this file redefines points at that JobDefs), else the file.
 */
function storedProblemPos(src: ParsedDirectorSource, p: Pick<Problem, "resource" | "name" | "message">): { pos: { file: string; line: number }; stored: boolean } {
  const own = p.name ? resourcePos(src, p) : undefined;
  if (own) return { pos: own, stored: false };
  if (!p.name) return { pos: { file: src.file, line: 0 }, stored: false };
  for (const m of p.message.matchAll(/\b([A-Z][A-Za-z]+) "([^"]+)"/g)) {
    const named = findResource("dir", m[1]) ? resourcePos(src, { resource: m[1], name: m[2] }) : undefined;
    if (named) return { pos: named, stored: true };
  }
  return { pos: { file: src.file, line: 0 }, stored: true };
}

/**
 * The address Directors reach an SD at, from this import's Director Storages that match it (port,
 * device, the password its config gives their Director): the one they agree on, or among several
 * the one it listens on. Several without that (two SDs sharing a password and a device name) are
 * returned as `ambiguous`: no Storage is given to it by address.
 */
function sdAddressFromDirectors(sd: StorageDaemonConfig, devices: ReadonlySet<string>, storageNode: ResourceNode, dirSources: ParsedDirectorSource[]): { address?: string; ambiguous?: string[] } {
  const listen = listenAddress(resourceDefOf("SdStorage"), storageNode.items);
  const port = listen.port ?? SD_DEFAULT_PORT;
  const passwords = new Map(sd.directors.map((d) => [d.name, d.password]));
  const found = new Set<string>();
  for (const ds of dirSources) {
    const dirName = ds.result.config.director.name;
    for (const s of ds.result.config.storages) {
      if ((s.sdPort ?? SD_DEFAULT_PORT) !== port || !s.address) continue;
      if (!s.device || !devices.has(s.device)) continue;
      if (passwords.get(dirName) !== undefined && passwords.get(dirName) === s.password) found.add(s.address);
    }
  }
  if (found.size <= 1) return { address: [...found][0] };
  if (listen.address && found.has(listen.address)) return { address: listen.address };
  return { ambiguous: [...found].sort() };
}

/** What lib/config/import-placeholders.ts needs of the import, its issues said at `where`. */
function placeholderTools(ctx: Ctx, where: { file: string; line: number }): PlaceholderTools {
  return {
    tx: ctx.tx,
    warn: (message) => issue(ctx, where, "warning", message),
    saveStorage: async (row, name, directorId, cols, pw) => {
      await save(ctx, "storages", "storage", row, name, { cols, secrets: { passwordEnc: pw } }, {});
      ctx.touchedDirectors.add(directorId);
    },
    removed: (kind, name, id) => {
      ctx.changes.push({ action: "delete", kind, name, id });
      ctx.audits.push({ actor: ctx.actor, ip: ctx.ip, action: "import-delete", entityType: kind, entityId: id, entityName: name, before: { name, placeholder: true } });
    },
  };
}

async function importStorageDaemon(ctx: Ctx, src: ParsedSdSource, excluded: Set<ResourceNode>, dirSources: ParsedDirectorSource[]): Promise<SdInfo | undefined> {
  const tree = src.result.tree;
  const live = tree.resources.filter((n) => !excluded.has(n));
  const storageNode = live.find((n) => kindOfNode("sd", n) === "SdStorage");
  if (!storageNode) return undefined;
  const st = nodeToTyped("SdStorage", storageNode) as unknown as StorageDaemonConfig["storage"];
  const cfg = src.result.config;
  const listen = listenAddress(resourceDefOf("SdStorage"), storageNode.items);
  const port = listen.port ?? SD_DEFAULT_PORT;
  const where = posOf(storageNode, src.file);
  const prefetched = ctx.storedSds.get(st.name);
  const existing = prefetched !== undefined ? prefetched : await ctx.tx.storageDaemon.findUnique({ where: { name: st.name } });
  ctx.storedSds.delete(st.name);

  // Its Device and Autochanger names.
  const deviceNames = new Set([...cfg.devices.map((d) => d.name), ...cfg.autochangers.map((a) => a.name)]);
  const reached = sdAddressFromDirectors(cfg, deviceNames, storageNode, dirSources);
  const fromDirs = reached.address;
  if (reached.ambiguous)
    issue(ctx, where, "warning",
      `Storage Daemon "${st.name}": Director Storages at ${reached.ambiguous.join(" and ")} all match it (its port, a device of its name, the password it gives their Director), so none is given to it by its address: give it the SDAddress its Directors use, or set its address on the Storage Daemons page and import the Directors again`);
  const directorNodes = live.filter((n) => kindOfNode("sd", n) === "SdDirector");
  const directorPasswords = new Map<string, string>();
  for (const n of directorNodes) {
    const d = nodeToTyped("SdDirector", n) as { name: string; password?: string };
    if (d.password) directorPasswords.set(d.name, d.password);
  }
  const importedDirs = new Set(dirSources.map((d) => d.result.config.director.name));
  // The address Directors use: from this import's Directors, else the one stored (what the Directors
  // already use; the listen address may be another name of it, 127.0.0.1 for "localhost"), else that
  // of a placeholder SD this config is the daemon of (lib/config/import-placeholders.ts), else where it listens.
  const known = fromDirs ?? existing?.address ?? (listen.address && !WILDCARD.has(listen.address) ? listen.address : undefined);
  const claim = await claimPlaceholders(ctx.tx, { id: existing?.id, port, address: known, directorPasswords, deviceNames }, importedDirs);
  // (Where it listens gives way to the address its Directors reach a placeholder of it at: another name of it.)
  let address = fromDirs ?? existing?.address ?? claim.take[0]?.p.address ?? known;
  if (!address) {
    address = "localhost";
    issue(ctx, where, "warning",
      `Storage Daemon "${st.name}": no Director Storage of this import reaches it and it listens on ${listen.address ?? "every address"}; the address Directors use is set to "localhost" (edit it in the dashboard)`);
  }
  // The SD's password: the one its config gives a Director of this import that uses it, else the first non-monitor one's.
  const firstFull = directorNodes.map((n) => nodeToTyped("SdDirector", n) as { name: string; password?: string; monitor?: boolean }).find((d) => !d.monitor && d.password);
  const password = [...directorPasswords].find(([n]) => importedDirs.has(n))?.[1] ?? firstFull?.password ?? (existing ? decryptSecret(existing.passwordEnc) : undefined);
  if (!password) {
    issue(ctx, where, "error", `Storage Daemon "${st.name}": no Director resource with a Password; cannot store it`);
    return undefined;
  }
  const { cols, extra } = splitColumns("SdStorage", st as unknown as Obj);
  const desired: Desired = {
    cols: {
      name: st.name,
      address,
      port,
      workingDirectory: cols.workingDirectory ?? existing?.workingDirectory ?? "/var/lib/bacula",
      pidDirectory: cols.pidDirectory ?? existing?.pidDirectory ?? "/run/bacula",
      maxConcurrentJobs: (cols.maxConcurrentJobs as number | undefined) ?? null,
    },
    secrets: { passwordEnc: password },
    items: { extra: { items: extra, kind: "SdStorage" } },
  };
  const id = await save(ctx, "storage-daemons", "storageDaemon", existing as unknown as Record<string, unknown> | undefined, st.name, desired, {});
  ctx.touchedSds.add(id);
  if (!existing) ctx.createdIds.add(`sd:${id}`);

  const info: SdInfo = { id, name: st.name, address, port, password, directorPasswords, devices: new Map(), changers: new Map(), fromSdConfig: true };
  // An SD this import creates has no devices yet.
  const existingDevices = existing ? byName(await rawFindMany<Record<string, unknown>>(ctx.tx, "Device", { storageDaemonId: id })) : new Map<string, Record<string, unknown>>();
  const stored: ResourceNode[] = [];
  const deviceEntries: Entry[] = [];
  const mediaOf = new Map<string, string>();
  for (const n of live) {
    const kind = kindOfNode("sd", n);
    if (kind === "Device") {
      const dev = nodeToTyped("Device", n) as unknown as StorageDaemonConfig["devices"][number];
      const split = splitColumns("Device", dev as unknown as Obj);
      const c = split.cols;
      const d: Desired = {
        cols: {
          name: dev.name,
          mediaType: c.mediaType,
          archiveDevice: c.archiveDevice,
          deviceType: c.deviceType ?? null,
          labelMedia: c.labelMedia ?? null,
          randomAccess: c.randomAccess ?? null,
          automaticMount: c.automaticMount ?? null,
          removableMedia: c.removableMedia ?? null,
          alwaysOpen: c.alwaysOpen ?? null,
          autochanger: c.autochanger ?? null,
          maxConcurrentJobs: c.maximumConcurrentJobs ?? null,
        },
        items: { extra: { items: split.extra, kind: "Device" } },
      };
      deviceEntries.push({ name: dev.name, existing: existingDevices.get(dev.name), desired: d, scope: { storageDaemonId: id } });
      mediaOf.set(dev.name, String(c.mediaType));
    } else if (kind !== "SdStorage") {
      if (kind === "Autochanger") {
        const a = nodeToTyped("Autochanger", n) as { name: string; devices?: string[] };
        info.changers.set(a.name, a.devices ?? []);
      }
      // A stored resource of a typed kind (Autochanger, the SD's Director and Messages) is kept in
      // the order the renderer writes it, so that importing the deployed file again changes nothing.
      stored.push(kind ? { ...typedToNode(kind, nodeToTyped(kind, n)), pos: n.pos } : n);
    }
  }
  for (const [name, devId] of await saveMany(ctx, "devices", "device", deviceEntries)) info.devices.set(name, { id: devId, mediaType: mediaOf.get(name)! });
  await saveConfigResources(ctx, { storageDaemonId: id }, "sd", stored, !existing);
  await movePlaceholderStorages(placeholderTools(ctx, where), info, claim);
  return info;
}

/* ------------------------------------------------------------------ Directors */

async function placeholderSd(ctx: Ctx, sds: SdInfo[], directorName: string, address: string, port: number, password: string, device: string, where: { file: string; line: number }, storageName: string, currentSdId: number | undefined): Promise<SdInfo> {
  // An SD stored from its config that has no Director resource for this Director would refuse it:
  // not this Director's SD, unless its Storages reach it already (the dashboard then renders one).
  const refusesIt = async (id: number, passwords: ReadonlyMap<string, string>) =>
    passwords.size > 0 && !passwords.has(directorName) && (await ctx.tx.storage.count({ where: { storageDaemonId: id, director: { name: directorName } } })) === 0;
  const refusing: string[] = [];
  const known = sds.find((s) => !s.fromSdConfig && s.address === address && s.port === port);
  if (known && !(await refusesIt(known.id, known.directorPasswords))) return known;
  if (known) refusing.push(known.name);
  // An SD already in the database (not one of this import's configs): at that address and port, or
  // else the one at that port that has the device (or Autochanger) and the Storage's password (the
  // same SD reached under another name, "localhost" against 127.0.0.1).
  const mine = sds.filter((x) => x.fromSdConfig).map((x) => x.id);
  const include = { devices: true, resources: { select: { id: true, type: true, name: true, items: true, position: true } } } as const;
  // A real SD (one imported from its config: it has stored resources) before a placeholder at that address.
  const atPort: Awaited<ReturnType<typeof ctx.tx.storageDaemon.findMany<{ include: typeof include }>>> = [];
  for (const r of await ctx.tx.storageDaemon.findMany({ where: { port, id: { notIn: [...mine, ...(known ? [known.id] : [])] } }, include, orderBy: { id: "asc" } })) {
    if (r.resources.length > 0 && (await refusesIt(r.id, storedDirectorPasswords(r.resources)))) {
      if (r.address === address) refusing.push(r.name);
    } else atPort.push(r);
  }
  const real = atPort.filter((r) => r.resources.length > 0);
  // (The password it accepts from this Director: its Director resource of that name, else its own.)
  type Row = (typeof atPort)[number];
  const accepts = (r: Row) => storedDirectorPasswords(r.resources).get(directorName) ?? decryptSecret(r.passwordEnc);
  const servesIt = (r: Row) => (r.devices.some((d) => d.name === device) || r.resources.some((x) => x.type === "Autochanger" && x.name === device)) && accepts(r) === password;
  const hasIt = real.filter(servesIt);
  const infoOf = (r: Row): SdInfo => ({
    id: r.id, name: r.name, address: r.address, port: r.port, password: decryptSecret(r.passwordEnc), directorPasswords: storedDirectorPasswords(r.resources),
    devices: new Map(r.devices.map((d) => [d.name, { id: d.id, mediaType: d.mediaType }])),
    // Its Autochangers are kept as stored resources (an SD config's own; a placeholder has none).
    changers: new Map(r.resources.filter((x) => x.type === "Autochanger").map((x) => [x.name, []])),
    fromSdConfig: false,
    placeholder: r.resources.length === 0,
  });
  const row = real.find((r) => r.address === address) ?? (hasIt.length === 1 ? hasIt[0] : undefined) ?? atPort.find((r) => r.address === address);
  if (row) {
    const info = infoOf(row);
    // An SD imported from its config alone got an address no Director had told (where it listens,
    // or "localhost"). The first Director Storage that reaches it, at another name, tells it: the
    // SD takes that address, as it would have had its config and this Director's been imported
    // together; importing both again then changes nothing (third outside trial: "2 to update").
    if (row.resources.length > 0 && row.address !== address && !ctx.touchedSds.has(row.id) && (await ctx.tx.storage.count({ where: { storageDaemonId: row.id } })) === 0) {
      await save(ctx, "storage-daemons", "storageDaemon", row as unknown as Record<string, unknown>, row.name, { cols: { address } }, {});
      issue(ctx, where, "warning", `Storage "${storageName}": Storage Daemon "${row.name}" had the address ${row.address}, which no Director used yet; it takes ${address}, the one this Storage reaches it at (it has Device "${device}" and accepts Director "${directorName}" with this password)`);
      info.address = address;
    }
    if (info.placeholder && refusing.length > 0) issue(ctx, where, "warning", refusedBy(storageName, refusing[0], address, port, directorName, `it goes to the placeholder Storage Daemon "${row.name}"`));
    sds.push(info);
    return info;
  }
  // The Storage's own SD, at another address or port since the last import (edited in the
  // dashboard, or the file changed): still that daemon when it has the device and accepts this
  // Director with this password. The Storage stays on it, with the file's address and port as its
  // own (the Director's file renders as written), and the difference is said (second outside
  // trial: a new placeholder was made, and the known SD not named).
  if (currentSdId !== undefined && !mine.includes(currentSdId)) {
    const cur = await ctx.tx.storageDaemon.findUnique({ where: { id: currentSdId }, include });
    if (cur && servesIt(cur) && !(cur.resources.length > 0 && (await refusesIt(cur.id, storedDirectorPasswords(cur.resources))))) {
      issue(ctx, where, "warning", `Storage "${storageName}": its Storage Daemon "${cur.name}" is at ${cur.address}:${cur.port} in the dashboard, not at ${address}:${port} as this file says; it has Device "${device}" and accepts Director "${directorName}" with this password, so the Storage stays on it, with ${address}:${port} as its own: make the two agree before deploying (the Storage's Address and SDPort, or the daemon's address and port)`);
      return infoOf(cur);
    }
  }
  let name = toName(`sd-${address}-${port}`);
  for (let n = 2; await ctx.tx.storageDaemon.findUnique({ where: { name } }); n++) name = toName(`sd-${address}-${port}-${n}`);
  const id = await save(ctx, "storage-daemons", "storageDaemon", undefined, name, { cols: { name, address, port, placeholder: true }, secrets: { passwordEnc: password } }, {}, true);
  ctx.placeholderSds.add(id);
  // A known SD elsewhere that has the device and accepts this Director with this password may be
  // the same daemon at another address or port: named, for the operator to decide.
  const elsewhere = (await ctx.tx.storageDaemon.findMany({ where: { id: { notIn: [...mine, id, ...atPort.map((r) => r.id)] } }, include, orderBy: { id: "asc" } }))
    .filter((r) => servesIt(r) && r.resources.length > 0);
  const maybe = elsewhere.length > 0
    ? `; Storage Daemon ${elsewhere.slice(0, 3).map((r) => `"${r.name}" at ${r.address}:${r.port}`).join(", ")}${elsewhere.length > 3 ? ` and ${elsewhere.length - 3} more` : ""} ${elsewhere.length === 1 ? "has" : "have"} Device "${device}" and accept${elsewhere.length === 1 ? "s" : ""} this Director with this password: if the Storage means ${elsewhere.length === 1 ? "it" : "one of them"}, set its Address and SDPort to ${elsewhere.length === 1 ? "its" : "that one's"} and import again`
    : "";
  issue(ctx, where, "warning", refusing.length > 0
    ? refusedBy(storageName, refusing[0], address, port, directorName, `created the placeholder Storage Daemon "${name}" instead`) + maybe
    : `Storage "${storageName}": no Storage Daemon of this import matches it; created the placeholder Storage Daemon "${name}" at ${address}:${port} (import its bacula-sd.conf, or edit it, before deploying)${maybe}`);
  const info: SdInfo = { id, name, address, port, password, directorPasswords: new Map(), devices: new Map(), changers: new Map(), fromSdConfig: false, placeholder: true };
  sds.push(info);
  return info;
}

/** Why a Storage is not put on the SD stored from its config at its address. */
function refusedBy(storage: string, sd: string, address: string, port: number, director: string, outcome: string): string {
  return `Storage "${storage}": Storage Daemon "${sd}" at ${address}:${port} has no Director resource for Director "${director}" in its config (it would refuse the Director); ${outcome} (add that Director to its bacula-sd.conf and import both again, or edit them)`;
}

/** The passwords of an SD's stored Director resources (those imported from its config), by Director name, read as the SD's render reads them. */
function storedDirectorPasswords(resources: readonly { id: number; type: string; items: unknown; position: number }[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const n of configResources(resources, "sd")) {
    if (kindOfNode("sd", n) !== "SdDirector") continue;
    const d = nodeToTyped("SdDirector", n) as { name?: string; password?: string };
    if (d.name && d.password) out.set(d.name, d.password);
  }
  return out;
}

/**
 * The Storage Daemon a Director's Storage reaches: by the SD's password for this Director, port and
 * device (an SD of this import whose password and port match but lacks the device is still it).
 */
function matchSd(sds: SdInfo[], directorName: string, s: { address?: string; sdPort?: number; password?: string; device?: string }): SdInfo | undefined {
  return matchSdWith(sds, directorName, s, true) ?? matchSdWith(sds, directorName, s, false);
}

function matchSdWith(sds: SdInfo[], directorName: string, s: { address?: string; sdPort?: number; password?: string; device?: string }, needDevice: boolean): SdInfo | undefined {
  const port = s.sdPort ?? SD_DEFAULT_PORT;
  const hasDevice = (sd: SdInfo) => !needDevice || !s.device || sd.devices.has(s.device) || sd.changers.has(s.device);
  const candidates = sds.filter((sd) => sd.fromSdConfig && sd.port === port && hasDevice(sd));
  if (!needDevice) {
    const byPw = candidates.filter((sd) => s.password !== undefined && sd.directorPasswords.get(directorName) === s.password);
    return byPw.length === 1 ? byPw[0] : undefined;
  }
  const byOwnPassword = candidates.filter((sd) => s.password !== undefined && sd.directorPasswords.get(directorName) === s.password);
  if (byOwnPassword.length === 1) return byOwnPassword[0];
  const byAnyPassword = candidates.filter((sd) => s.password !== undefined && [...sd.directorPasswords.values()].includes(s.password));
  if (byAnyPassword.length === 1) return byAnyPassword[0];
  const byAddress = (byOwnPassword.length > 1 ? byOwnPassword : byAnyPassword.length > 1 ? byAnyPassword : candidates).filter((sd) => sd.address === s.address);
  if (byAddress.length === 1) return byAddress[0];
  if (candidates.length === 1 && byAnyPassword.length === 0 && byOwnPassword.length === 0 && s.password === undefined) return candidates[0];
  return undefined;
}

/**
 * Why a Director's Storage cannot go in as written, or undefined: a Storage Daemon accepts one
 * password from a Director (the one the dashboard renders into its Director resource), so a Storage
 * whose password is not the one the SD's config accepts from this Director (when no Storage of the
 * Director reaches that SD yet: else the dashboard renders the SD from those), or not the one of the
 * Director's other Storages on that SD, would have the SD refuse the Director; the import would
 * otherwise rewrite one of the two passwords without a word.
 */
function storagePasswordRefusal(sd: SdInfo, directorName: string, storageName: string, password: string, first: { storage: string; password: string } | undefined, reachedBefore: boolean): string | undefined {
  if (first && first.password !== password)
    return `Storage "${storageName}": its Password is not that of Storage "${first.storage}", which reaches the same Storage Daemon "${sd.name}": that Storage Daemon accepts one password from Director "${directorName}", so it would refuse one of the two; make them equal`;
  const accepts = sd.directorPasswords.get(directorName);
  if (!first && accepts !== undefined && accepts !== password && (sd.fromSdConfig || !reachedBefore))
    return `Storage "${storageName}": its Password is not the one Storage Daemon "${sd.name}" accepts from Director "${directorName}" (its Director resource "${directorName}"): the Storage Daemon would refuse the Director; make them equal`;
  // An SD whose config is in this import and has no Director resource for this Director: rendering
  // one from the Storage would let in a Director that the file uploaded with it does not.
  if (!first && accepts === undefined && sd.fromSdConfig && sd.directorPasswords.size > 0)
    return `Storage "${storageName}": Storage Daemon "${sd.name}" has no Director resource for Director "${directorName}" in its config: the Storage Daemon would refuse the Director; add one with this Storage's password to its bacula-sd.conf, or point the Storage at another Storage Daemon`;
  return undefined;
}

interface NameIds {
  [kind: string]: Map<string, Record<string, unknown>>;
}

function emptyRows(): NameIds {
  return { catalogs: new Map(), messages: new Map(), schedules: new Map(), filesets: new Map(), clients: new Map(), storages: new Map(), pools: new Map(), jobDefs: new Map(), jobs: new Map() };
}

/**
 * A Director's stored rows by kind and name, read raw (lib/db/raw-rows.ts, as Prisma's findMany
 * gives them); pools, JobDefs and Jobs with their storage group members (`storages`, by position).
 */
async function existingRows(tx: Tx, directorId: number): Promise<NameIds> {
  const where = { directorId };
  const read = (model: string) => rawFindMany<Record<string, unknown>>(tx, model, where);
  const [catalogs, messages, schedules, filesets, clients, storages, pools, jobDefs, jobs] = [
    await read("Catalog"), await read("Messages"), await read("Schedule"), await read("FileSet"), await read("Client"),
    await read("Storage"), await read("Pool"), await read("JobDefs"), await read("Job"),
  ];
  const members = await storageGroupMembers(tx, directorId);
  const groups = (rows: Record<string, unknown>[], owner: "poolId" | "jobDefsId" | "jobId") => {
    const by = new Map<number, { storageId: number; position: number }[]>();
    for (const m of members) {
      const id = m[owner];
      if (id === null || id === undefined) continue;
      const list = by.get(Number(id)) ?? by.set(Number(id), []).get(Number(id))!;
      list.push({ storageId: Number(m.storageId), position: Number(m.position) });
    }
    for (const r of rows) r.storages = by.get(r.id as number) ?? [];
    return rows;
  };
  return {
    catalogs: byName(catalogs), messages: byName(messages), schedules: byName(schedules), filesets: byName(filesets), clients: byName(clients), storages: byName(storages),
    pools: byName(groups(pools, "poolId")), jobDefs: byName(groups(jobDefs, "jobDefsId")), jobs: byName(groups(jobs, "jobId")),
  };
}

/**
 * The typed objects the parse made of a Director config's nodes (parseDirector's lists follow the
 * tree's order, kind by kind), so that the import does not convert each node again. A node whose
 * object does not match by kind, position and name is left out (the import converts it afresh).
 */
function parsedTyped(src: ParsedDirectorSource): Map<ResourceNode, Obj> {
  const out = new Map<ResourceNode, Obj>();
  const seen = new Map<ResourceKind, number>();
  const cfg = src.result.config as unknown as Record<string, unknown>;
  for (const node of src.result.tree.resources) {
    const kind = kindOfNode("dir", node);
    const spec: KindSpec | undefined = kind ? KINDS[kind] : undefined;
    if (!kind || !spec || spec.single) continue;
    const i = seen.get(kind) ?? 0;
    seen.set(kind, i + 1);
    const list = cfg[spec.configKey];
    const obj: unknown = Array.isArray(list) ? list[i] : undefined;
    if (obj && typeof obj === "object" && (obj as Obj).name === nameOf(node)) out.set(node, obj as Obj);
  }
  return out;
}

async function importDirector(ctx: Ctx, src: ParsedDirectorSource, excluded: Set<ResourceNode>, sds: SdInfo[], opts: ImportOptions) {
  const tree = src.result.tree;
  const live = tree.resources.filter((n) => !excluded.has(n));
  const dirNode = live.find((n) => kindOfNode("dir", n) === "Director");
  if (!dirNode) return;
  const version = opts.version ?? src.result.config.director.version ?? "15.0.3";
  const dir = nodeToTyped("Director", dirNode) as unknown as DirectorConfig["director"];
  const at = (n: ResourceNode | undefined) => posOf(n, src.file);
  const [existing = null] = await rawFindMany<Director>(ctx.tx, "Director", { name: dir.name });
  const dsplit = splitColumns("Director", dir as unknown as Obj);
  // A Director that names no Messages: Bacula takes the first Messages resource of its config
  // (dird.c); the dashboard would derive another (the "Daemon" one), so it writes that one's name.
  const firstMessages = live.find((n) => kindOfNode("dir", n) === "Messages");
  if (firstMessages && !dsplit.extra.some((i) => i.kind === "directive" && i.name === "Messages")) {
    dsplit.extra.push({ kind: "directive", name: "Messages", value: nameOf(firstMessages) });
    issue(ctx, posOf(dirNode, src.file), "warning", `Director "${dir.name}" names no Messages: Bacula uses the first Messages resource, "${nameOf(firstMessages)}", and the dashboard writes Messages = ${nameOf(firstMessages)}`);
  }
  // The address and port the dashboard and the daemons reach the Director at: where it listens
  // (DirAddress / DirPort, or the first entry of a DirAddresses block), unless a wildcard.
  const listen = listenAddress(resourceDefOf("Director"), dirNode.items);
  const dirAddress = listen.address;
  const reach = typeof dirAddress === "string" && !WILDCARD.has(dirAddress) ? dirAddress : (existing?.address ?? "localhost");
  if (!existing && reach === "localhost" && typeof dirAddress !== "string")
    issue(ctx, at(dirNode), "warning", `Director "${dir.name}": no DirAddress; the address the dashboard reaches it at is set to "localhost" (edit it in the dashboard)`);
  const directorId = await save(ctx, "directors", "director", existing as unknown as Record<string, unknown> | undefined, dir.name, {
    cols: {
      name: dir.name,
      address: reach,
      port: listen.port ?? DIR_DEFAULT_PORT,
      version,
      queryFile: dsplit.cols.queryFile,
      workingDirectory: dsplit.cols.workingDirectory,
      pidDirectory: dsplit.cols.pidDirectory,
      maxConcurrentJobs: dsplit.cols.maxConcurrentJobs ?? null,
    },
    secrets: { passwordEnc: dir.password },
    // The Director's Messages directive is kept as written (the dashboard derives one only for Directors it creates).
    items: { extra: { items: dsplit.extra, kind: "Director" } },
  }, {});
  ctx.touchedDirectors.add(directorId);
  if (!existing) {
    ctx.createdDaemons.add(`dir:${dir.name}`);
    ctx.createdIds.add(`dir:${directorId}`);
  }
  // A Director this import creates has nothing stored yet.
  const rows = existing ? await existingRows(ctx.tx, directorId) : emptyRows();
  const scope = { directorId };
  const ids = new Map<string, Map<string, number>>();
  const idsOf = (k: string) => ids.get(k) ?? ids.set(k, new Map()).get(k)!;
  for (const [k, m] of Object.entries(rows)) for (const [n, r] of m) idsOf(k).set(n, r.id as number);
  const nodesOf = (kind: ResourceKind) => live.filter((n) => kindOfNode("dir", n) === kind);
  const parsed = parsedTyped(src);
  const typedOf = <T>(kind: ResourceKind) => nodesOf(kind).map((n) => ({ node: n, obj: (parsed.get(n) ?? nodeToTyped(kind, n)) as unknown as T }));
  const ref = (k: string, name: string | undefined) => (name === undefined ? null : (idsOf(k).get(name) ?? null));

  // Resources without a typed page (Console, Counter, Statistics, Tenant): whole.
  await saveConfigResources(ctx, scope, "dir", live.filter((n) => kindOfNode("dir", n) === undefined), !existing);

  const batch = async (k: string, kindKey: string, model: string, entries: Entry[]) => {
    for (const [n, id] of await saveMany(ctx, kindKey, model, entries)) idsOf(k).set(n, id);
  };
  await batch("catalogs", "catalogs", "catalog", typedOf<DirectorConfig["catalogs"][number]>("Catalog").map(({ obj: c }) => {
    const { cols, extra } = splitColumns("Catalog", c as unknown as Obj);
    return {
      name: c.name, existing: rows.catalogs.get(c.name), scope,
      desired: {
        cols: { name: c.name, dbName: cols.dbName, dbUser: cols.dbUser ?? null, dbAddress: cols.dbAddress ?? null, dbPort: cols.dbPort ?? null },
        secrets: { dbPasswordEnc: c.dbPassword },
        items: { extra: { items: extra, kind: "Catalog" } },
      },
    };
  }));
  await batch("messages", "messages", "messages", typedOf<DirectorConfig["messages"][number]>("Messages").map(({ obj: m }) => {
    const { cols, extra } = splitColumns("Messages", m as unknown as Obj);
    const dests = ((cols.destinations as MessageDestination[] | undefined) ?? []).map((d) => ({ kind: d.kind, where: d.where ?? null, types: d.types.join(", ") }));
    return { name: m.name, existing: rows.messages.get(m.name), scope, desired: { cols: { name: m.name, destinations: dests }, items: { extra: { items: extra, kind: "Messages" } } } };
  }));
  await batch("schedules", "schedules", "schedule", typedOf<DirectorConfig["schedules"][number]>("Schedule").map(({ obj: sc }) => {
    const { extra } = splitColumns("Schedule", sc as unknown as Obj);
    return { name: sc.name, existing: rows.schedules.get(sc.name), scope, desired: { cols: { name: sc.name, runs: sc.run ?? [], enabled: sc.enabled ?? null }, items: { extra: { items: extra, kind: "Schedule" } } } };
  }));
  await batch("filesets", "filesets", "fileSet", typedOf<DirectorConfig["filesets"][number]>("FileSet").map(({ obj: f }) => {
    const { extra } = splitColumns("FileSet", f as unknown as Obj);
    return {
      name: f.name, existing: rows.filesets.get(f.name), scope,
      desired: { cols: { name: f.name, includes: f.include ?? [], excludes: f.exclude ?? [], signature: f.signature ?? null, compression: f.compression ?? null }, items: { extra: { items: extra, kind: "FileSet" } } },
    };
  }));
  const clientEntries: Entry[] = [];
  for (const { node, obj: c } of typedOf<DirectorConfig["clients"][number]>("Client")) {
    const { cols, extra } = splitColumns("Client", c as unknown as Obj);
    const catalogId = ref("catalogs", c.catalog);
    if (!c.address || !c.password || catalogId === null) {
      issue(ctx, at(node), "error", `Client "${c.name}": ${!c.address ? "Address" : !c.password ? "Password" : "Catalog"} is needed by the dashboard; not imported`);
      continue;
    }
    clientEntries.push({
      name: c.name, existing: rows.clients.get(c.name), scope,
      desired: {
        cols: {
          name: c.name, address: c.address, port: (cols.fdPort as number | undefined) ?? FD_DEFAULT_PORT, portWritten: cols.fdPort !== undefined, catalogId,
          fileRetention: cols.fileRetention ?? null, jobRetention: cols.jobRetention ?? null, autoPrune: cols.autoPrune ?? null,
        },
        secrets: { passwordEnc: c.password },
        items: { extra: { items: extra, kind: "Client" } },
      },
    });
  }
  await batch("clients", "clients", "client", clientEntries);

  // Storages: each reaches a Storage Daemon; the address, port and password it uses are kept when they differ from the SD's.
  const storageEntries: Entry[] = [];
  const storagePos = new Map<string, { file: string; line: number }>();
  // The password this Director's first Storage on each SD gives it: the SD accepts one per Director.
  const passwordOnSd = new Map<number, { storage: string; password: string }>();
  for (const { node, obj: s } of typedOf<DirectorConfig["storages"][number]>("Storage")) {
    const split = splitColumns("Storage", s as unknown as Obj);
    let extra = split.extra;
    const deviceItem = extra.find((i) => i.kind === "directive" && i.name === "Device");
    const deviceNames = s.device ? [s.device] : deviceItem && deviceItem.kind === "directive" && Array.isArray(deviceItem.value) ? (deviceItem.value as string[]) : [];
    if (deviceItem) extra = extra.filter((i) => i !== deviceItem);
    if (node.keyword === "Autochanger" && s.autochanger === undefined && !extra.some((i) => i.name === "Autochanger"))
      extra = [...extra, { kind: "directive", name: "Autochanger", value: s.name }];
    const address = s.address;
    if (!address || !s.password || !s.mediaType || deviceNames.length === 0) {
      issue(ctx, at(node), "error", `Storage "${s.name}": Address, Password, Device and Media Type are needed; not imported`);
      continue;
    }
    const port = s.sdPort ?? SD_DEFAULT_PORT;
    let sd = matchSd(sds, dir.name, { address, sdPort: port, password: s.password, device: deviceNames[0] });
    if (!sd) sd = await placeholderSd(ctx, sds, dir.name, address, port, s.password, deviceNames[0], at(node), s.name, rows.storages.get(s.name)?.storageDaemonId as number | undefined);
    const reachedBefore = [...rows.storages.values()].some((r) => r.storageDaemonId === sd.id);
    const refusal = storagePasswordRefusal(sd, dir.name, s.name, s.password, passwordOnSd.get(sd.id), reachedBefore);
    if (refusal) {
      issue(ctx, at(node), "error", refusal);
      continue;
    }
    if (!passwordOnSd.has(sd.id)) passwordOnSd.set(sd.id, { storage: s.name, password: s.password });
    let device = sd.devices.get(deviceNames[0]);
    if (!device && !sd.changers.has(deviceNames[0])) {
      const row = await ctx.tx.device.findFirst({ where: { storageDaemonId: sd.id, name: deviceNames[0] } });
      if (row) device = { id: row.id, mediaType: row.mediaType };
      else if (sd.placeholder) {
        const cols = placeholderDevice(deviceNames[0], s.mediaType);
        const { archiveDevice } = cols;
        const devId = await save(ctx, "devices", "device", undefined, deviceNames[0], { cols }, { storageDaemonId: sd.id }, true);
        device = { id: devId, mediaType: s.mediaType };
        sd.devices.set(deviceNames[0], device);
        ctx.touchedSds.add(sd.id);
        issue(ctx, at(node), "warning", `Storage "${s.name}": Storage Daemon "${sd.name}" is a placeholder; created the placeholder device "${deviceNames[0]}" (File, ${archiveDevice})`);
      } else issue(ctx, at(node), "warning", `Storage "${s.name}": Storage Daemon "${sd.name}" has no Device or Autochanger "${deviceNames[0]}"`);
    }
    const sdPassword = sd.password;
    storagePos.set(s.name, at(node));
    storageEntries.push({ name: s.name, existing: rows.storages.get(s.name), scope, desired: {
      cols: {
        name: s.name, storageDaemonId: sd.id, deviceId: device?.id ?? null, deviceNames, mediaType: s.mediaType,
        maxConcurrentJobs: split.cols.maxConcurrentJobs ?? null,
        autochanger: typeof s.autochanger === "boolean" ? s.autochanger : null,
        address: address !== sd.address ? address : null,
        sdPort: port !== sd.port ? port : null,
        sdPortWritten: s.sdPort !== undefined,
      },
      secrets: { passwordEnc: s.password !== sdPassword ? s.password : undefined },
      items: { extra: { items: extra, kind: "Storage" } },
    } });
    ctx.touchedSds.add(sd.id);
  }
  await batch("storages", "storages", "storage", storageEntries);
  // A placeholder SD (made by an earlier import from a Director's Storages) that no Storage uses any
  // more, now that they reach the real one: deleted if it was not edited, else said.
  // Said at the first Storage resource that left it.
  const left = new Map<number, { file: string; line: number }>();
  for (const e of storageEntries) {
    const before = e.existing?.storageDaemonId;
    if (typeof before === "number" && before !== e.desired.cols.storageDaemonId && !left.has(before))
      left.set(before, storagePos.get(e.name) ?? { file: src.file, line: 0 });
  }
  for (const [id, pos] of left) await retirePlaceholder(placeholderTools(ctx, pos), id);

  // Storage group members are written in one statement at the end; changed groups are emptied first.
  const members: Record<string, unknown>[] = [];
  const storageGroup = async (owner: "poolId" | "jobId" | "jobDefsId", ownerId: number, existingMembers: { storageId: number }[] | undefined, list: string[] | undefined) => {
    const want = (list ?? []).map((n) => idsOf("storages").get(n)).filter((x): x is number => x !== undefined);
    const have = (existingMembers ?? []).map((m) => m.storageId);
    if (sameIds(want, have)) return false;
    if (have.length) await rawQuery(ctx.tx, `DELETE FROM "StorageGroupMember" WHERE "${owner}" = ${param(1)}`, [ownerId]);
    for (let position = 0; position < want.length; position++) members.push({ storageId: want[position], position, [owner]: ownerId });
    return true;
  };
  const groupChange = (kind: string, name: string, id: number) => {
    if (!ctx.changes.some((c) => c.kind === kind && c.id === id)) {
      ctx.changes.push({ action: "update", kind, name, id });
      ctx.audits.push({ actor: ctx.actor, ip: ctx.ip, action: "import-update", entityType: kind, entityId: id, entityName: name, after: { changed: ["storage group"] } });
    }
  };

  // Pools, then their Next Pools.
  const pools = typedOf<DirectorConfig["pools"][number]>("Pool");
  await batch("pools", "pools", "pool", pools.map(({ obj: p }) => {
    const { cols, extra } = splitColumns("Pool", p as unknown as Obj);
    return { name: p.name, existing: rows.pools.get(p.name), scope, desired: {
      cols: {
        name: p.name, poolType: cols.poolType ?? "Backup", volumeRetention: cols.volumeRetention ?? null, labelFormat: cols.labelFormat ?? null,
        maximumVolumeBytes: cols.maximumVolumeBytes ?? null, maximumVolumes: cols.maximumVolumes ?? null, recycle: cols.recycle ?? null,
        autoPrune: cols.autoPrune ?? null, storagePolicy: cols.storageGroupPolicy ?? null, storagePolicyThreshold: cols.storageGroupPolicyThreshold ?? null,
      },
      items: { extra: { items: extra, kind: "Pool" } },
    } };
  }));
  for (const { obj: p } of pools) {
    const id = idsOf("pools").get(p.name)!;
    if (await storageGroup("poolId", id, rows.pools.get(p.name)?.storages as { storageId: number }[] | undefined, p.storage)) groupChange("pools", p.name, id);
  }
  const nextPools: [number, number | null][] = [];
  for (const { obj: p } of pools) {
    const id = idsOf("pools").get(p.name)!;
    const next = ref("pools", p.nextPool);
    const prev = rows.pools.get(p.name);
    if ((prev?.nextPoolId ?? null) !== next) {
      nextPools.push([id, next]);
      // A Next Pool set on a pool this import creates is part of its creation, not a change.
      if (prev) groupChange("pools", p.name, id);
    }
  }
  await bulkSetColumn(ctx.tx, "Pool", "nextPoolId", nextPools);

  const jobDefsList = typedOf<JobLike>("JobDefs");
  await batch("jobDefs", "jobdefs", "jobDefs", jobDefsList.map(({ obj: jd }) => {
    const { cols, extra } = splitColumns("JobDefs", jd as unknown as Obj);
    return { name: jd.name, existing: rows.jobDefs.get(jd.name), scope, desired: {
      cols: {
        name: jd.name, type: cols.type ?? null, level: cols.level ?? null, poolId: ref("pools", jd.pool), clientId: ref("clients", jd.client),
        fileSetId: ref("filesets", jd.fileset), scheduleId: ref("schedules", jd.schedule), messagesId: ref("messages", jd.messages),
        storagePolicy: cols.storageGroupPolicy ?? null, priority: cols.priority ?? null,
      },
      items: { extra: { items: extra, kind: "JobDefs" } },
    } };
  }));
  for (const { obj: jd } of jobDefsList) {
    const id = idsOf("jobDefs").get(jd.name)!;
    const prev = rows.jobDefs.get(jd.name);
    if (await storageGroup("jobDefsId", id, prev?.storages as { storageId: number }[] | undefined, jd.storage) && prev) groupChange("jobdefs", jd.name, id);
  }

  const jobDefsTyped = new Map(jobDefsList.map(({ obj }) => [obj.name, obj]));
  const jobEntries: Entry[] = [];
  const jobsList: JobLike[] = [];
  for (const { node, obj: job } of typedOf<JobLike>("Job")) {
    const { cols, extra } = splitColumns("Job", job as unknown as Obj);
    // A Job's Type may come from its JobDefs; the column needs it (Bacula's JSON view shows it on the Job either way).
    const type = job.type ?? (job.jobDefs ? jobDefsTyped.get(job.jobDefs)?.type : undefined);
    if (!type) {
      issue(ctx, at(node), "error", `Job "${job.name}": Type is required (neither the Job nor its JobDefs sets it); not imported`);
      continue;
    }
    jobsList.push(job);
    jobEntries.push({ name: job.name, existing: rows.jobs.get(job.name), scope, desired: {
      cols: {
        name: job.name, type, level: cols.level ?? null, enabled: cols.enabled ?? null, jobDefsId: ref("jobDefs", job.jobDefs),
        poolId: ref("pools", job.pool), nextPoolId: ref("pools", job.nextPool), clientId: ref("clients", job.client),
        fileSetId: ref("filesets", job.fileset), scheduleId: ref("schedules", job.schedule), messagesId: ref("messages", job.messages),
        storagePolicy: cols.storageGroupPolicy ?? null, storagePolicyThreshold: cols.storageGroupPolicyThreshold ?? null,
        selectionType: cols.selectionType ?? null, selectionPattern: cols.selectionPattern ?? null,
        runLines: job.run ?? [], runScripts: job.runScripts ?? [], priority: cols.priority ?? null, maxConcurrentJobs: cols.maxConcurrentJobs ?? null,
      },
      items: { extra: { items: extra, kind: "Job" } },
    } });
  }
  await batch("jobs", "jobs", "job", jobEntries);
  for (const job of jobsList) {
    const id = idsOf("jobs").get(job.name)!;
    const prev = rows.jobs.get(job.name);
    if (await storageGroup("jobId", id, prev?.storages as { storageId: number }[] | undefined, job.storage) && prev) groupChange("jobs", job.name, id);
  }
  await bulkInsert(ctx.tx, "StorageGroupMember", members);
}

/* ------------------------------------------------------------------ entry point */

/**
 * What an import decides before it reads the database: the parse's issues, Bacula's checks of each
 * file and the resources they leave out. A pure function of the parsed files, the Bacula version
 * and allowErrors, so the Import page's import reuses its dry run's (lib/config/upload-reads.ts).
 * Neither this nor importPrepared changes the parsed files; importPrepared copies what it adds to.
 */
export interface PreparedImport {
  readonly version: string;
  readonly allowErrors: boolean;
  /** The daemons' configs (bconsole and tray monitor configs are only said in `issues`). */
  readonly sources: readonly ParsedSource[];
  readonly issues: readonly ImportIssue[];
  readonly leftOut: ImportReport["leftOut"];
  readonly checked: ReadonlyMap<ParsedSource, Checked>;
  readonly parseErrors: ReadonlySet<ParsedSource>;
}

export function prepareImport(all: readonly ParsedSource[], opts: Pick<ImportOptions, "version" | "allowErrors"> = {}): PreparedImport {
  const version = opts.version ?? "15.0.3";
  const leftOut: ImportReport["leftOut"] = [];
  // A bconsole.conf or a tray monitor's config is recognised, said, and left alone: the dashboard
  // writes its own bconsole.conf for each Director, and has no tray monitor.
  const consoles = all.filter((s) => s.daemon === "console" || s.daemon === "monitor");
  const sources = all.filter((s) => s.daemon !== "console" && s.daemon !== "monitor");
  const issues: ImportIssue[] = sources.flatMap((s) =>
    s.result.issues.map((i: ParseIssue) => ({ file: i.file || s.file, line: i.line, severity: i.severity, stage: "parse" as const, message: i.message })),
  );
  for (const s of consoles)
    issues.push({
      file: s.file,
      line: 0,
      severity: "warning",
      stage: "map",
      message:
        s.daemon === "console"
          ? "read as a bconsole.conf: not imported (the dashboard writes its own bconsole.conf for each Director, from the Director's name, address, port, password and TLS directives); if it is another daemon's config, name its kind (--dir, --sd, --fd)"
          : "read as a tray monitor's config: not imported (the dashboard has no tray monitor); if it is another daemon's config, name its kind (--dir, --sd, --fd)",
    });
  const parseErrors = new Set(sources.filter((s) => s.result.issues.some((i) => i.severity === "error")));
  const checked = new Map<ParsedSource, Checked>();
  for (const s of sources) checked.set(s, checkSource(s, version, opts, leftOut, issues));
  const seen = new Map<string, string>();
  for (const s of sources) {
    const n = s.daemon === "dir" ? s.result.config.director.name : s.daemon === "sd" ? s.result.config.storage.name : s.result.config.name;
    const k = `${s.daemon}:${n}`;
    if (n && seen.has(k))
      issues.push({ file: s.file, line: 0, severity: "error", stage: "map", message: seen.get(k) === s.file ? `this file is given twice` : `${DAEMON_LABEL[s.daemon]} "${n}" is also defined in ${seen.get(k)}` });
    if (n) seen.set(k, s.file);
  }
  return { version, allowErrors: !!opts.allowErrors, sources, issues, leftOut, checked, parseErrors };
}

/**
 * Imports parsed configs: Storage Daemon configs first (so that Director Storages find their SD and
 * device), then Directors. One transaction; see the module comment for errors and dry runs.
 */
export async function importConfigs(db: Db, sources: ParsedSource[], opts: ImportOptions = {}): Promise<ImportReport> {
  return importPrepared(db, prepareImport(sources, opts), opts);
}

/**
 * The import of what prepareImport decided (its version and allowErrors are the ones used). An
 * import given its dry run's plan (with the revision that dry run saw) replays it when the database
 * still answers as it did (applyPlan), else works the import out as if it had none.
 */
export async function importPrepared(db: Db, prepared: PreparedImport, given: Omit<ImportOptions, "version" | "allowErrors"> = {}): Promise<ImportReport> {
  const opts: ImportOptions = { ...given, version: prepared.version, allowErrors: prepared.allowErrors };
  if (opts.plan && opts.expectRevision !== undefined && (!opts.dryRun || opts.rehearse)) {
    const replayed = await applyPlan(db, prepared, opts, opts.plan);
    if (replayed) return replayed;
  }
  return workOut(db, prepared, opts);
}

/** The import worked out against the database, in one transaction (see the module comment). */
async function workOut(db: Db, prepared: PreparedImport, opts: ImportOptions): Promise<ImportReport> {
  const { version, checked, parseErrors } = prepared;
  const sources = prepared.sources;
  const report: ImportReport = { applied: false, dryRun: !!opts.dryRun, issues: [], changes: [], leftOut: [...prepared.leftOut] };
  const issues: ImportIssue[] = [...prepared.issues];
  const dirSources = sources.filter((s): s is ParsedDirectorSource => s.daemon === "dir");
  const sdSources = sources.filter((s): s is ParsedSdSource => s.daemon === "sd");
  const fdSources = sources.filter((s): s is ParsedTreeSource => s.daemon === "fd");
  const blocked = issues.some((i) => i.severity === "error") && !opts.allowErrors;
  try {
    return await db.$transaction(
      async (tx) => {
        await holdRevision(tx, opts.expectRevision);
        const ctx: Ctx = { tx, issues, changes: [], audits: [], actor: opts.actor ?? "import", ip: opts.ip, touchedDirectors: new Set(), touchedSds: new Set(), createdDaemons: new Set(), createdIds: new Set(), placeholderSds: new Set(), storedSds: new Map(), now: new Date() };
        // A dry run asked to record what it does (ImportOptions.recordPlan), where its connection can replay it.
        let recording: { log: RecordedStatement[]; before: number } | undefined;
        if (opts.recordPlan && opts.dryRun && !blocked) {
          const direct = await directQuery(tx);
          if (direct?.repeat && direct.prismaStatements) {
            recording = { log: [], before: direct.prismaStatements() };
            recordStatements(tx, recording.log);
          }
        }
        if (!blocked) {
          ctx.storedSds = await storedSdsOf(tx, sdSources);
          const sds: SdInfo[] = [];
          for (const s of sdSources) {
            if (parseErrors.has(s) && (!opts.allowErrors || checked.get(s)!.unattributed)) continue;
            const info = await importStorageDaemon(ctx, s, checked.get(s)!.excluded, dirSources);
            if (info) sds.push(info);
          }
          for (const s of dirSources) {
            if (parseErrors.has(s) && (!opts.allowErrors || checked.get(s)!.unattributed)) continue;
            await importDirector(ctx, s, checked.get(s)!.excluded, sds, opts);
          }
          // File Daemons after the Directors: a Client defined in this import is there by now.
          const fdClients: number[] = [];
          for (const s of fdSources) {
            if (parseErrors.has(s) && (!opts.allowErrors || checked.get(s)!.unattributed)) continue;
            const id = await importFileDaemon(fdTools(ctx, s), s.result.tree, checked.get(s)!.excluded);
            if (id !== undefined) fdClients.push(id);
            // (With --force the rest goes in: say that this file did not.)
            else report.leftOut.push({ file: s.file, line: 0, resource: "FileDaemon", name: s.result.config.name });
          }
          // The result must render: validate every touched daemon as it will be deployed. A daemon
          // this import created holds exactly what its file says (the import keeps everything),
          // which the checks above have read already: only the semantic rules remain, on the file's model
          // (the tree's own rules are not walked again: none of them is one isBaculaAccepted keeps).
          for (const src of dirSources) {
            const name = src.result.config.director.name;
            if (!ctx.createdDaemons.has(`dir:${name}`)) continue;
            for (const p of fileProblems(src).filter((x) => x.rule !== "version-format" && (x.severity === "warning" || isBaculaAccepted(x))))
              issues.push({ ...(p.pos ?? resourcePos(src, p) ?? { file: src.file, line: 0 }), severity: "warning", stage: "map", message: acceptedMessage(p) });
          }
          for (const id of ctx.touchedDirectors) {
            if (ctx.createdIds.has(`dir:${id}`)) continue;
            const cfg = await loadDirectorConfig(tx, id);
            const src = dirSources.find((d) => d.result.config.director.name === cfg.director.name);
            for (const p of validateDirector(cfg, directorTree(cfg)).filter((x) => x.rule !== "version-format")) {
              const at = src ? storedProblemPos(src, p) : undefined;
              issues.push({
                ...(at?.pos ?? { file: "(import result)", line: 0 }),
                severity: p.severity === "warning" || isBaculaAccepted(p) ? "warning" : "error",
                stage: "map",
                message: `Director "${cfg.director.name}": ${acceptedMessage(p)}${at?.stored ? ` (${p.resource} "${p.name}" is not in this upload: it is stored, from an earlier import or the dashboard)` : ""}`,
              });
            }
          }
          for (const id of fdClients) {
            const cfg = await loadFileDaemonConfig(tx, id);
            for (const p of validateFileDaemon(cfg).filter((x) => x.severity === "error"))
              issues.push({ file: "(import result)", line: 0, severity: "error", stage: "map", message: `File Daemon "${cfg.fileDaemon.name}": ${p.message}` });
          }
          for (const id of ctx.touchedSds) {
            if (ctx.createdIds.has(`sd:${id}`) && !ctx.placeholderSds.has(id)) continue;
            const cfg = await loadStorageDaemonConfig(tx, id);
            // One no Storage uses any more was said where its Storages left it (retirePlaceholder).
            if (unusedStorageDaemon(cfg)) continue;
            for (const p of validateStorageDaemon(cfg, version, storageDaemonTree(cfg)).filter((x) => x.severity === "error"))
              issues.push({ file: "(import result)", line: 0, severity: "error", stage: "map", message: `Storage Daemon "${cfg.storage.name}": ${p.message}` });
          }
        }
        report.issues = sortIssues(issues);
        report.changes = ctx.changes;
        if (recording) {
          stopRecording(tx);
          // (Only a run that would write, whose every statement the recording saw.)
          const unseen = (await directQuery(tx))?.prismaStatements?.() !== recording.before;
          if (!unseen && !(report.issues.some((i) => i.severity === "error") && !opts.allowErrors))
            opts.recordPlan!.plan = { statements: recording.log, now: ctx.now, issues: report.issues, changes: ctx.changes, leftOut: report.leftOut, audits: ctx.audits };
        }
        return finish(tx, ctx, report, sources, opts);
      },
      { timeout: 30 * 60_000, maxWait: 30_000 },
    );
  } catch (e) {
    if (e instanceof Rollback) return e.report;
    throw e;
  }
}

/** The model revision held where it is still `expected` (holdSetting locks it), else ModelChangedError. */
async function holdRevision(tx: Tx, expected: number | undefined): Promise<void> {
  if (expected === undefined) return;
  // A concurrent save or import that bumps it first makes this fail, so the check cannot pass for two of them.
  if (!(await holdSetting(tx, "modelRevision", String(expected)))) {
    const current = await modelRevision(tx);
    if (current !== expected) throw new ModelChangedError(expected, current);
  }
}

/**
 * The end of an import whose records are written (or rolled back: a dry run, errors): its audit
 * events, the model revision bump and the import's own audit event, then the commit (returning) or
 * the roll-back (Rollback).
 */
async function finish(tx: Tx, ctx: Pick<Ctx, "changes" | "audits" | "actor">, report: ImportReport, sources: readonly ParsedSource[], opts: ImportOptions): Promise<ImportReport> {
  const issues = report.issues;
  const hasErrors = issues.some((i) => i.severity === "error");
  if ((opts.dryRun && !opts.rehearse) || (hasErrors && !opts.allowErrors)) throw new Rollback(report);
  if (ctx.changes.length > 0) {
    await auditMany(ctx.audits, tx);
    report.revision = await bumpModelRevision(tx);
    await auditMany([{
      actor: ctx.actor,
      ip: opts.ip,
      action: "import",
      entityType: "config",
      entityName: sources.map((s) => path.basename(s.file)).join(", "),
      after: {
        files: sources.map((s) => s.file),
        created: ctx.changes.filter((c) => c.action === "create").length,
        updated: ctx.changes.filter((c) => c.action === "update").length,
        removed: ctx.changes.filter((c) => c.action === "delete").map((c) => c.name),
        placeholders: ctx.changes.filter((c) => c.placeholder).map((c) => `${c.kind} ${c.name}`),
        leftOut: report.leftOut.map((l) => `${l.resource} ${l.name}`),
        errors: issues.filter((i) => i.severity === "error").length,
        warnings: issues.filter((i) => i.severity === "warning").length,
      },
    }], tx);
  }
  if (opts.dryRun) {
    report.revision = undefined;
    throw new Rollback(report);
  }
  report.applied = true;
  return report;
}

/**
 * The import of what its dry run recorded (ImportPlan): the revision held as for any import, then
 * the dry run's statements replayed (lib/db/replay.ts), each answered as it was then, and the
 * import's end written as the dry run's report says, by this import's actor, at its time. Undefined
 * when the database answers otherwise (the caller works the import out again); nothing is kept then.
 */
async function applyPlan(db: Db, prepared: PreparedImport, opts: ImportOptions, plan: ImportPlan): Promise<ImportReport | undefined> {
  const actor = opts.actor ?? "import";
  const report: ImportReport = { applied: false, dryRun: !!opts.dryRun, issues: [...plan.issues], changes: [...plan.changes], leftOut: [...plan.leftOut], replayed: true };
  try {
    return await db.$transaction(
      async (tx) => {
        await holdRevision(tx, opts.expectRevision);
        await replayStatements(tx, plan.statements, { from: boundArg(plan.now), to: boundArg(new Date()) });
        const audits = plan.audits.map((a) => ({ ...a, actor, ip: opts.ip }));
        return finish(tx, { changes: report.changes, audits, actor }, report, prepared.sources, opts);
      },
      { timeout: 30 * 60_000, maxWait: 30_000 },
    );
  } catch (e) {
    if (e instanceof Rollback) return e.report;
    if (e instanceof StaleRecording) return undefined;
    throw e;
  }
}

/** The semantic rules' problems of a Director's file as parsed, by its parse (fileProblems). */
const problemsOfFile = new WeakMap<ParsedDirectorSource, Problem[]>();

/**
 * validateDirector on a Director's file as parsed: a pure function of the parse (which nothing here
 * changes), so the Import page's import reuses what its dry run found (the same parsed sources,
 * lib/config/upload-reads.ts): 2-7 ms of the bench config's import.
 */
function fileProblems(src: ParsedDirectorSource): Problem[] {
  let found = problemsOfFile.get(src);
  if (!found) problemsOfFile.set(src, (found = validateDirector(src.result.config, src.result.tree, [])));
  return found;
}

/**
 * Semantic rules of validate.ts that Bacula itself accepts but that will not work as written: a
 * warning at import (the file is what the site runs), and the dashboard does not render the
 * Director until they are fixed (acceptedMessage says so).
 */
function isBaculaAccepted(p: Problem): boolean {
  return p.severity === "error" && (p.rule.startsWith("copy-") || p.rule === "runscript-shell" || p.rule === "uncopied-second-hop" || p.rule === "storage-group-version");
}

/** A validator problem as an import warning: one the renderer refuses says that it blocks the render. */
function acceptedMessage(p: Problem): string {
  return isBaculaAccepted(p) ? `${p.message} (Bacula accepts this, but it will not work as written: the dashboard renders and deploys this Director only once it is fixed)` : p.message;
}

function sortIssues(issues: ImportIssue[]): ImportIssue[] {
  return [...issues].sort((a, b) => (a.file === b.file ? a.line - b.line : a.file < b.file ? -1 : 1));
}

export function formatIssue(i: ImportIssue): string {
  return `${i.file}:${i.line}: ${i.severity}: ${i.message}`;
}
