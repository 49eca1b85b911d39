/**
 * The inventory API's work: list, read, create, update and delete records of every kind, driven
 * by the field tables (fields.ts). Directive fields are stored in their column or in the record's
 * generic items (`extra`, with passwords encrypted); the rest of a record's directives come and go
 * as generic items too. Every write is checked three ways inside its transaction: the schema
 * (the directive's own store rule), the cross-record references, and then the daemon's whole
 * config as Bacula would read it (lib/bacula/validate.ts, per the Director's version): what the
 * renderer or Bacula would refuse is refused with the field and the rule; what Bacula accepts but
 * will not work comes back as warnings. An update refuses to overwrite a save newer than the one
 * the client read (409).
 */
import { z } from "zod";
import { audit, bumpModelRevision } from "@/lib/audit";
import { prisma, type Tx } from "@/lib/db/client";
import { badRequest, conflict, HttpError, notFound, type FieldError } from "@/lib/http/errors";
import type { Role } from "@/lib/auth/roles";
import { encryptSecret } from "@/lib/secrets";
import { findDirective, findResource, type BlockDef, type Problem } from "@/lib/bacula";
import { directorTree, storageDaemonTree } from "@/lib/bacula/render";
import { directiveOfKey, resourceDefOf, typedKeys } from "@/lib/bacula/typed";
import { validateDirector, validateStorageDaemon } from "@/lib/bacula/validate";
import type { Item } from "@/lib/bacula/tree";
import { mergeKeptSecrets, openItems, sealItems, viewItems } from "@/lib/config/items";
import { loadDirectorConfig, loadStorageDaemonConfig } from "@/lib/config/from-db";
import { KINDS, OTHER_RESOURCE_TYPES, fieldForModelKey, labelOfField, type FieldDef, type KindKey } from "./fields";
import { inputSchema } from "./schema";
import { findReferences } from "./references";
import { attachRefNames } from "./ref-names";
import { assertAdminControls } from "./admin-guard";
import { INT32_MAX, strictId, strictInt } from "@/lib/http/numbers";
import type { ViewItem } from "./view-items";
import { containsText, lockRow } from "@/lib/db/sql";

type Row = Record<string, unknown> & { id: number };

/** The few Prisma delegate calls the generic service needs, by model name. */
interface Delegate {
  findMany(args: unknown): Promise<Row[]>;
  findUnique(args: unknown): Promise<Row | null>;
  findFirst(args: unknown): Promise<Row | null>;
  count(args: unknown): Promise<number>;
  create(args: unknown): Promise<Row>;
  update(args: unknown): Promise<Row>;
  delete(args: unknown): Promise<Row>;
}

export const MODEL: Record<KindKey, string> = {
  hosts: "host",
  directors: "director",
  "storage-daemons": "storageDaemon",
  devices: "device",
  storages: "storage",
  pools: "pool",
  catalogs: "catalog",
  "catalog-clusters": "catalogCluster",
  "catalog-members": "catalogMember",
  clients: "client",
  filesets: "fileSet",
  schedules: "schedule",
  messages: "messages",
  jobdefs: "jobDefs",
  jobs: "job",
  resources: "configResource",
};

export function delegate(db: Tx | typeof prisma, kind: KindKey): Delegate {
  return (db as unknown as Record<string, Delegate>)[MODEL[kind]];
}

const STORAGE_OWNER: Partial<Record<KindKey, "poolId" | "jobId" | "jobDefsId">> = {
  pools: "poolId",
  jobs: "jobId",
  jobdefs: "jobDefsId",
};

export const listQuerySchema = z.object({
  q: z.string().max(200, "must be at most 200 characters").optional(),
  sort: z.string().max(64).optional(),
  dir: z.enum(["asc", "desc"], { error: "must be asc or desc" }).optional(),
  page: strictInt({ min: 1, rangeMessage: "must be 1 or more" }).default(1),
  pageSize: strictInt({ min: 1, max: 200, rangeMessage: "must be between 1 and 200" }).default(25),
});

function includeFor(kind: KindKey, o: { refs?: boolean } = {}): Record<string, unknown> {
  const include: Record<string, unknown> = {};
  for (const f of KINDS[kind].fields) {
    // (lists read the refs' names in one statement for the page instead: ref-names.ts)
    if (f.type === "ref" && f.relation && o.refs !== false) include[f.relation] = { select: { id: true, name: true } };
    if (f.type === "storageList") {
      include.storages = { orderBy: { position: "asc" }, select: { storage: { select: { id: true, name: true } } } };
    }
  }
  if (kind === "storages") include.device = { select: { id: true, name: true } };
  return include;
}

/** The block definition of a record's generic items (its resource type). */
function containerOf(kind: KindKey, row?: Row | Record<string, unknown>): BlockDef | undefined {
  const rk = KINDS[kind].resourceKind;
  if (rk) return resourceDefOf(rk);
  if (kind === "resources" && row) {
    const daemon = row.storageDaemonId != null ? "sd" : "dir";
    return findResource(daemon, String(row.type ?? ""));
  }
  return undefined;
}

/** The directive fields a kind stores in its generic items (featured in the form). */
function extraFields(kind: KindKey): FieldDef[] {
  return KINDS[kind].fields.filter((f) => f.directive && f.store === "extra");
}

export interface ResourceView {
  id: number;
  [key: string]: unknown;
}

/** What the API sends back: secrets only as "is set", references with their names, generic items with passwords blanked. */
export function toView(kind: KindKey, row: Row): ResourceView {
  const view: ResourceView = { id: row.id, createdAt: row.createdAt, updatedAt: row.updatedAt instanceof Date ? row.updatedAt.toISOString() : row.updatedAt };
  const names: Record<string, string | null> = {};
  const container = containerOf(kind, row);
  const featured = new Set(extraFields(kind).map((f) => f.directive!.def.name));
  const extra = kind === "resources" ? [] : viewItems(row.extra, container);
  for (const f of KINDS[kind].fields) {
    if (f.type === "secret") {
      view[`${f.key}Set`] = Boolean(row[f.column ?? f.key]);
    } else if (f.type === "storageList") {
      const members = (row.storages as { storage: { id: number; name: string } }[] | undefined) ?? [];
      view[f.key] = members.map((m) => m.storage.id);
      view.storageNames = members.map((m) => m.storage.name);
    } else if (f.type === "ref") {
      view[f.key] = row[f.key] ?? null;
      const rel = f.relation ? (row[f.relation] as { name: string } | null | undefined) : undefined;
      names[f.key] = rel?.name ?? null;
    } else if (f.type === "directives") {
      view[f.key] = extra.filter((i) => !(i.kind === "directive" && featured.has(i.name)));
    } else if (f.type === "items") {
      view[f.key] = viewItems(row.items, container);
    } else if (f.type === "deviceName") {
      const list = Array.isArray(row.deviceNames) ? (row.deviceNames as string[]) : [];
      view[f.key] = list[0] ?? (row.device as { name?: string } | null | undefined)?.name ?? null;
    } else if (f.directive && f.store === "extra") {
      const it = extra.find((i) => i.kind === "directive" && i.name === f.directive!.def.name);
      view[f.key] = it?.value ?? null;
    } else {
      view[f.key] = row[f.key] ?? null;
    }
  }
  view.refNames = names;
  return view;
}

export async function listResources(kind: KindKey, rawQuery: Record<string, string>) {
  const meta = KINDS[kind];
  const query = listQuerySchema.parse(rawQuery);
  const where: Record<string, unknown> = {};
  if (query.q && query.q.trim() !== "") {
    where.OR = meta.searchFields.map((f) => ({ [f]: containsText(query.q!.trim()) }));
  }
  for (const f of meta.fields) {
    if (f.type !== "ref") continue;
    const raw = rawQuery[f.key];
    if (raw === undefined || raw === "") continue;
    const id = /^\d{1,10}$/.test(raw) ? Number(raw) : NaN;
    if (!Number.isInteger(id) || id <= 0 || id > INT32_MAX) throw badRequest(`${f.label} must be an id`, [{ field: f.key, rule: "id", message: "must be an id" }]);
    where[f.key] = id;
  }
  const sort = query.sort ?? "name";
  if (!meta.sortFields.includes(sort)) {
    throw badRequest(`sort must be one of ${meta.sortFields.join(", ")}`, [
      { field: "sort", rule: "enum", message: `must be one of ${meta.sortFields.join(", ")}` },
    ]);
  }
  const db = delegate(prisma, kind);
  const [total, rows] = await Promise.all([
    db.count({ where }),
    db.findMany({
      where,
      orderBy: [{ [sort]: query.dir ?? "asc" }, { id: "asc" }],
      skip: (query.page - 1) * query.pageSize,
      take: query.pageSize,
      include: includeFor(kind, { refs: false }),
    }),
  ]);
  await attachRefNames(kind, rows, MODEL);
  return { items: rows.map((r) => toView(kind, r)), total, page: query.page, pageSize: query.pageSize };
}

/** One record's view inside a caller's transaction. */
export async function readView(tx: Tx, kind: KindKey, id: number): Promise<ResourceView> {
  const row = await delegate(tx, kind).findUnique({ where: { id }, include: includeFor(kind) });
  if (!row) throw notFound(`${KINDS[kind].label} ${id} does not exist`);
  return toView(kind, row);
}

export async function getResource(kind: KindKey, id: number): Promise<ResourceView> {
  const row = await delegate(prisma, kind).findUnique({ where: { id }, include: includeFor(kind) });
  if (!row) throw notFound(`${KINDS[kind].label} ${id} does not exist`);
  return toView(kind, row);
}

const optionalId = z.preprocess((v) => (v === "" ? undefined : v), strictId().optional());
export const optionsQuerySchema = z.object({ directorId: optionalId, storageDaemonId: optionalId, clusterId: optionalId });

/** Names and ids for pickers, optionally within one Director or Storage Daemon. */
export async function listOptions(kind: KindKey, filter: Record<string, string>) {
  const query = optionsQuerySchema.parse(filter);
  const where: Record<string, unknown> = {};
  for (const key of ["directorId", "storageDaemonId", "clusterId"] as const) {
    if (query[key] === undefined) continue;
    if (!KINDS[kind].fields.some((f) => f.key === key)) {
      throw badRequest(`${KINDS[kind].plural} cannot be filtered by ${key}`, [{ field: key, rule: "filter", message: `${KINDS[kind].plural} cannot be filtered by it` }]);
    }
    where[key] = query[key];
  }
  const select: Record<string, boolean> = { id: true, name: true };
  if (kind === "devices" || kind === "storages") select.mediaType = true;
  if (kind === "devices" || kind === "storages") select.storageDaemonId = true;
  if (kind === "storages") select.deviceId = true;
  if (KINDS[kind].directorScoped) select.directorId = true;
  if (kind === "directors") {
    select.role = true;
    select.version = true;
  }
  if (kind === "resources") select.type = true;
  const rows = await delegate(prisma, kind).findMany({ where, select, orderBy: { name: "asc" }, take: 5000 });
  // A Storage may name an SD Autochanger as its Device: devices of an SD list its autochangers too.
  if (kind === "devices" && query.storageDaemonId !== undefined) {
    const changers = await prisma.configResource.findMany({ where: { storageDaemonId: query.storageDaemonId, type: "Autochanger" }, select: { id: true, name: true } });
    return [...rows, ...changers.map((c) => ({ id: -c.id, name: c.name, autochanger: true, storageDaemonId: query.storageDaemonId }))];
  }
  return rows;
}

function fieldError(kind: KindKey, field: string, rule: string, message: string): FieldError {
  return { field, rule, message, label: labelOfField(kind, field) };
}

/**
 * A body refused before the kind's schema ran (a lone surrogate in a string…) names its fields by
 * their labels too.
 */
export function withFieldLabels(kind: KindKey, err: unknown): unknown {
  if (!(err instanceof HttpError) || !err.fields?.length) return err;
  const fields = err.fields.map((f) => (f.label ? f : fieldError(kind, f.field, f.rule, f.message)));
  return new HttpError(err.status, fields.map((e) => `${e.label ?? e.field}: ${e.message}`).join("; "), fields, err.details, err.headers);
}

function refuse(kind: KindKey, errors: FieldError[]): never {
  throw badRequest(errors.map((e) => `${e.label ?? e.field}: ${e.message}`).join("; "), errors);
}

/** Checks that cross records: references exist and belong to the same Director, names are unique. */
async function checkReferences(tx: Tx, kind: KindKey, data: Record<string, unknown>, selfId: number | null) {
  const meta = KINDS[kind];
  const errors: FieldError[] = [];
  // The stored row an update replaces, read once when a check needs it.
  let stored: Promise<Row | null> | undefined;
  const storedRow = () => (stored ??= selfId == null ? Promise.resolve(null) : delegate(tx, kind).findUnique({ where: { id: selfId } }));
  const directorId = data.directorId as number | undefined;
  let directorRow: Row | null = null;
  if ((meta.directorScoped || kind === "resources") && directorId != null) {
    directorRow = await tx.director.findUnique({ where: { id: directorId } });
    if (!directorRow) errors.push(fieldError(kind, "directorId", "exists", `no Director with id ${directorId}`));
  }
  for (const f of meta.fields) {
    if (f.type !== "ref" || f.key === "directorId") continue;
    const id = data[f.key] as number | null | undefined;
    if (id == null) continue;
    const target = await delegate(tx, f.ref!).findUnique({ where: { id } });
    if (!target) {
      errors.push(fieldError(kind, f.key, "exists", `no ${KINDS[f.ref!].label} with id ${id}`));
      continue;
    }
    if (f.sameDirector && directorRow && target.directorId !== directorRow.id) {
      errors.push(fieldError(kind, f.key, "same-director", `${KINDS[f.ref!].label} "${String(target.name)}" belongs to another Director than "${String(directorRow.name)}"`));
    }
    // A new reference to itself is refused; one already stored (an imported Pool whose Next Pool is
    // itself, which Bacula accepts) stays editable with the value sent back as it was.
    if (selfId != null && f.ref === kind && id === selfId && (await storedRow())?.[f.key] !== selfId) {
      errors.push(fieldError(kind, f.key, "not-self", `cannot point at this ${meta.label.toLowerCase()} itself`));
    }
  }
  const storageIds = (data.storageIds as number[] | undefined) ?? [];
  if (storageIds.length > 0) {
    const storages = await tx.storage.findMany({ where: { id: { in: storageIds } } });
    for (const id of storageIds) {
      const s = storages.find((x) => x.id === id);
      if (!s) errors.push(fieldError(kind, "storageIds", "exists", `no Storage with id ${id}`));
      else if (directorRow && s.directorId !== directorRow.id) {
        errors.push(fieldError(kind, "storageIds", "same-director", `Storage "${s.name}" belongs to another Director`));
      }
    }
  }
  if (kind === "directors" && data.primaryId != null) {
    const primary = await tx.director.findUnique({ where: { id: data.primaryId as number } });
    if (primary && primary.role !== "primary") {
      errors.push(fieldError(kind, "primaryId", "role", `Director "${primary.name}" is not a primary`));
    }
  }
  // A new or changed Next Pool must not close a cycle (Bacula accepts one, the forms do not make
  // one); a Pool already in one (imported) can still be edited for anything else.
  const keptNextPool = kind === "pools" && selfId != null && (await storedRow())?.nextPoolId === data.nextPoolId;
  if (kind === "pools" && data.nextPoolId != null && !keptNextPool) {
    const chain: string[] = [String(data.name)];
    let cursor = data.nextPoolId as number | null;
    const seen = new Set<number>();
    while (cursor != null && !seen.has(cursor)) {
      seen.add(cursor);
      if (selfId != null && cursor === selfId) {
        chain.push(String(data.name));
        errors.push(fieldError(kind, "nextPoolId", "cycle", `makes a Next Pool cycle: ${chain.join(" → ")}`));
        break;
      }
      const p = await tx.pool.findUnique({ where: { id: cursor }, select: { name: true, nextPoolId: true } });
      if (!p) break;
      chain.push(p.name);
      cursor = p.nextPoolId;
    }
  }
  if (kind === "catalog-members" && data.role === "primary" && data.clusterId != null) {
    const other = await tx.catalogMember.findFirst({
      where: { clusterId: data.clusterId as number, role: "primary", ...(selfId != null ? { id: { not: selfId } } : {}) },
    });
    if (other) errors.push(fieldError(kind, "role", "one-primary", `cluster already has a primary ("${other.name}")`));
  }
  if (kind === "resources") {
    const daemon = data.storageDaemonId != null ? "sd" : "dir";
    const allowed: readonly string[] = OTHER_RESOURCE_TYPES[daemon];
    if (!allowed.includes(String(data.type)))
      errors.push(fieldError(kind, "type", "resource-type", `a ${daemon === "sd" ? "Storage Daemon" : "Director"} resource here is one of ${allowed.join(", ")} (the others have their own pages)`));
  }
  if (errors.length > 0) refuse(kind, errors);

  // Names: unique per resource type within a Director (or globally for daemons and hosts).
  const nameWhere: Record<string, unknown> = { name: data.name };
  if (meta.directorScoped) nameWhere.directorId = directorId;
  if (kind === "devices") nameWhere.storageDaemonId = data.storageDaemonId;
  if (kind === "catalog-members") nameWhere.clusterId = data.clusterId;
  if (kind === "resources") Object.assign(nameWhere, { type: data.type, directorId: data.directorId ?? null, storageDaemonId: data.storageDaemonId ?? null });
  if (selfId != null) nameWhere.id = { not: selfId };
  const clash = await delegate(tx, kind).findFirst({ where: nameWhere });
  if (clash) {
    const scope = meta.directorScoped && directorRow ? ` on Director "${String(directorRow.name)}"` : "";
    throw conflict(`A ${meta.label} named "${String(data.name)}" already exists${scope}`, [
      fieldError(kind, "name", "unique", `a ${meta.label} named "${String(data.name)}" already exists${scope}`),
    ]);
  }
}

/** The generic items a write keeps: featured directive fields, then the other directives, with kept secrets filled in. */
function extraItems(kind: KindKey, input: Record<string, unknown>, existing: Row | null): Item[] | undefined {
  const container = containerOf(kind);
  if (!container) return undefined;
  const touched = extraFields(kind).some((f) => input[f.key] !== undefined) || input.directives !== undefined;
  if (!touched) return undefined;
  const oldOpen = existing ? openItems(existing.extra, container) : [];
  const featured: Item[] = [];
  for (const f of extraFields(kind)) {
    const def = f.directive!.def;
    const v = input[f.key] !== undefined ? input[f.key] : (oldOpen.find((i) => i.kind === "directive" && i.name === def.name) as { value?: unknown } | undefined)?.value;
    if (v !== null && v !== undefined && v !== "") featured.push({ kind: "directive", name: def.name, value: v as string });
  }
  const featuredNames = new Set(extraFields(kind).map((f) => f.directive!.def.name));
  const given = input.directives !== undefined
    ? mergeKeptSecrets(input.directives as ViewItem[], existing?.extra ?? null, container)
    : oldOpen.filter((i) => !(i.kind === "directive" && featuredNames.has(i.name)));
  const errors: FieldError[] = [];
  const typed = KINDS[kind].resourceKind ? typedKeys(KINDS[kind].resourceKind!).byName : new Map();
  given.forEach((it, i) => {
    const def = findDirective(container, it.name);
    if (!def || def.name !== it.name) errors.push(fieldError(kind, `directives[${i}]`, "unknown-directive", `${JSON.stringify(it.name)} is not a directive of a ${container === undefined ? "resource" : KINDS[kind].label}`));
    else if (featuredNames.has(def.name)) errors.push(fieldError(kind, `directives[${i}]`, "featured", `${def.name} has its own field in the form`));
    else if (typed.has(def.name) && kind !== "messages" && columnOwns(kind, def.name)) errors.push(fieldError(kind, `directives[${i}]`, "typed", `${def.name} has its own field in the form`));
  });
  if (errors.length > 0) refuse(kind, errors);
  return [...featured, ...given];
}

/** Whether a directive is held by one of the kind's fields (so it cannot also be a generic item). */
function columnOwns(kind: KindKey, directive: string): boolean {
  return KINDS[kind].fields.some((f) => f.directive?.def.name === directive && f.store !== "extra") ||
    KINDS[kind].fields.some((f) => f.modelKey && KINDS[kind].resourceKind && typedKeys(KINDS[kind].resourceKind!).list.find((k) => k.key === f.modelKey)?.def.name === directive);
}

function toData(kind: KindKey, input: Record<string, unknown>, mode: "create" | "update", existing: Row | null) {
  const data: Record<string, unknown> = {};
  for (const f of KINDS[kind].fields) {
    if (f.readOnly || f.type === "storageList" || f.type === "directives" || f.type === "items" || f.type === "deviceName") continue;
    if (f.directive && f.store === "extra") continue;
    const value = input[f.key];
    if (f.type === "secret") {
      if (typeof value === "string" && value.length > 0) data[f.column!] = encryptSecret(value);
      else if (mode === "create") data[f.column!] = f.required ? undefined : null;
      continue;
    }
    if (value === undefined) continue;
    // A field with a default is a NOT NULL column: blank means the default.
    if (value === null && f.defaultValue !== undefined && f.defaultValue !== null) {
      if (mode === "update") data[f.key] = f.defaultValue;
      continue;
    }
    data[f.key] = value;
  }
  const container = containerOf(kind, { ...existing, ...input });
  if (kind === "resources" && input.items !== undefined) {
    const items = mergeKeptSecrets(input.items as ViewItem[], existing?.items ?? null, container);
    const nameItem = items.find((i) => i.kind === "directive" && i.name === "Name");
    if (!nameItem || nameItem.kind !== "directive" || typeof nameItem.value !== "string" || nameItem.value === "")
      refuse(kind, [fieldError(kind, "items", "required", "needs a Name directive")]);
    data.name = nameItem.value;
    data.items = sealItems(items, container);
  } else {
    const extra = extraItems(kind, input, existing);
    if (extra !== undefined) data.extra = extra.length > 0 ? sealItems(extra, container) : null;
  }
  return data;
}

/** Storage's Device: a Device of its SD (linked by id) or an Autochanger (by name). */
async function resolveDevice(tx: Tx, input: Record<string, unknown>, data: Record<string, unknown>) {
  const name = input.deviceName as string | undefined;
  if (name === undefined) return;
  const sdId = input.storageDaemonId as number;
  const device = await tx.device.findFirst({ where: { storageDaemonId: sdId, name } });
  if (device) {
    data.deviceId = device.id;
    data.deviceNames = [name];
    if (input.mediaType && device.mediaType !== input.mediaType)
      refuse("storages", [fieldError("storages", "mediaType", "match-device", `must match the device's media type "${device.mediaType}"`)]);
    return;
  }
  const changer = await tx.configResource.findFirst({ where: { storageDaemonId: sdId, type: "Autochanger", name } });
  if (!changer) refuse("storages", [fieldError("storages", "deviceName", "exists", `the Storage Daemon has no Device or Autochanger "${name}"`)]);
  data.deviceId = null;
  data.deviceNames = [name];
}

async function writeStorageGroup(tx: Tx, kind: KindKey, ownerId: number, ids: number[] | undefined) {
  const owner = STORAGE_OWNER[kind];
  if (!owner || ids === undefined) return;
  await tx.storageGroupMember.deleteMany({ where: { [owner]: ownerId } });
  if (ids.length > 0) {
    await tx.storageGroupMember.createMany({
      data: ids.map((storageId, position) => ({ storageId, position, [owner]: ownerId })),
    });
  }
}

export interface Actor {
  login: string;
  role?: Role;
  ip?: string | null;
}

/** The Bacula resource kind of a record in the validator's terms, and its name. */
function problemTarget(kind: KindKey, row: Row): { resource: string; name: string } | undefined {
  const rk = KINDS[kind].resourceKind;
  if (rk) return { resource: rk, name: String(row.name) };
  if (kind === "resources") return { resource: String(row.type), name: String(row.name) };
  return undefined;
}

/** The form field of a validator problem about this record (`field` is a typed model key or `directives.<path>`). */
function fieldOfProblem(kind: KindKey, p: Problem): string {
  if (p.field.startsWith("directives.")) {
    const name = p.field.slice("directives.".length).split(/[.[]/)[0];
    const f = KINDS[kind].fields.find((x) => x.directive?.def.name === name);
    return f?.key ?? (kind === "resources" ? "items" : "directives");
  }
  const key = p.field.replace(/\[\d+\]$/, "");
  const own = fieldForModelKey(kind, key);
  if (own) return own.key;
  if (key === "name") return "name";
  if (kind === "resources") return "items";
  // A typed key without a field of its own (Director description…): its directive's featured field, or Other directives.
  const rk = KINDS[kind].resourceKind;
  const def = rk ? directiveOfKey(rk, key) : undefined;
  if (def) return KINDS[kind].fields.find((x) => x.directive?.def === def)?.key ?? "directives";
  return key;
}

/**
 * The daemon's whole config as Bacula would read it, after the write: errors about this record (or
 * whole-config errors the write caused) refuse it; warnings about it come back with the view.
 */
async function validateAfterWrite(tx: Tx, kind: KindKey, row: Row, before: Problem[] | null): Promise<Problem[]> {
  const target = problemTarget(kind, row);
  if (!target) return [];
  let problems: Problem[];
  if (kind === "storage-daemons" || kind === "devices" || (kind === "resources" && row.storageDaemonId != null)) {
    const sdId = (kind === "storage-daemons" ? row.id : row.storageDaemonId) as number;
    const sd = await tx.storageDaemon.findUnique({ where: { id: sdId } });
    const cfg = await loadStorageDaemonConfig(tx, sdId);
    problems = validateStorageDaemon(cfg, sd?.version, storageDaemonTree(cfg));
  } else {
    const directorId = (kind === "directors" ? row.id : row.directorId) as number | undefined;
    if (directorId == null) return [];
    const cfg = await loadDirectorConfig(tx, directorId);
    problems = validateDirector(cfg, directorTree(cfg));
  }
  const mine = (p: Problem) => (p.resource === target.resource || p.resource === findResource(kind === "resources" && row.storageDaemonId != null ? "sd" : "dir", target.resource)?.name) && p.name === target.name;
  const key = (p: Problem) => `${p.resource}\u0000${p.name}\u0000${p.rule}\u0000${p.message}`;
  const old = new Set((before ?? []).map(key));
  const errors = problems.filter((p) => p.severity === "error" && (mine(p) || (p.resource === "Config" && !old.has(key(p)))));
  // Whole-config rules a fresh, still incomplete Director breaks (no Job yet…) are not this record's fault.
  const blocking = errors.filter((p) => !(p.resource === "Config" && (p.rule === "min-count" || p.rule === "required")));
  if (blocking.length > 0)
    refuse(kind, blocking.map((p) => fieldError(kind, fieldOfProblem(kind, p), p.rule, p.message.replace(/^[A-Za-z]+ "[^"]*": /, ""))));
  return problems.filter((p) => p.severity === "warning" && mine(p));
}

function warningsOf(kind: KindKey, problems: Problem[]) {
  return problems.map((p) => ({ ...fieldError(kind, fieldOfProblem(kind, p), p.rule, p.message.replace(/^[A-Za-z]+ "[^"]*": /, "")) }));
}

/** The input checked by the kind's schema; problems name each field by its label. */
export function parseInput(kind: KindKey, mode: "create" | "update", body: unknown): Record<string, unknown> {
  const r = inputSchema(kind, mode).safeParse(body);
  if (r.success) return r.data as Record<string, unknown>;
  refuse(kind, r.error.issues.map((issue) => {
    const field = issue.path.map(String).join(".") || "(body)";
    const named = issue.code === "custom" ? (issue.params as { rule?: unknown } | undefined)?.rule : undefined;
    const rule = typeof named === "string" ? named : issue.code;
    const message = issue.code === "unrecognized_keys" ? `${issue.keys.join(", ")}: not a field of a ${KINDS[kind].label}` : issue.message;
    return fieldError(kind, field, rule, message);
  }));
}

export async function createResource(kind: KindKey, body: unknown, actor: Actor): Promise<ResourceView> {
  const input = parseInput(kind, "create", body);
  return prisma.$transaction((tx) => createResourceIn(tx, kind, input, actor));
}

export interface WriteOptions {
  /**
   * false: the caller writes several records and validates the daemon's config once, at the end
   * (validateWrites), so that a half-built chain is not judged on its own.
   */
  validate?: boolean;
}

/** createResource inside a caller's transaction (several records, all or nothing). */
export async function createResourceIn(tx: Tx, kind: KindKey, body: unknown, actor: Actor, opts: WriteOptions = {}): Promise<ResourceView> {
  const input = parseInput(kind, "create", body);
  await assertAdminControls(tx, kind, { op: "create", input }, actor);
  const data = toData(kind, input, "create", null);
  if (kind === "resources") input.name = data.name;
  await checkReferences(tx, kind, { ...input, name: data.name ?? input.name }, null);
  if (kind === "storages") await resolveDevice(tx, input, data);
  const created = await delegate(tx, kind).create({ data });
  await writeStorageGroup(tx, kind, created.id, input.storageIds as number[] | undefined);
  const row = await delegate(tx, kind).findUnique({ where: { id: created.id }, include: includeFor(kind) });
  const warnings = opts.validate === false ? [] : await validateAfterWrite(tx, kind, row!, null);
  const view = toView(kind, row!);
  await bumpModelRevision(tx);
  await audit({ actor: actor.login, ip: actor.ip, action: "create", entityType: kind, entityId: created.id, entityName: String(row!.name), after: view }, tx);
  return warnings.length > 0 ? { ...view, warnings: warningsOf(kind, warnings) } : view;
}

export async function updateResource(kind: KindKey, id: number, body: unknown, actor: Actor): Promise<ResourceView> {
  const input = parseInput(kind, "update", body);
  return prisma.$transaction((tx) => updateResourceIn(tx, kind, id, input, actor));
}

/** updateResource inside a caller's transaction (several records, all or nothing). */
export async function updateResourceIn(tx: Tx, kind: KindKey, id: number, body: unknown, actor: Actor, opts: WriteOptions = {}): Promise<ResourceView> {
  const input = parseInput(kind, "update", body);
  // The stale-save check below reads, compares and writes: the row is ours until the commit.
  await lockRow(tx, MODEL[kind], id);
  const existing = await delegate(tx, kind).findUnique({ where: { id }, include: includeFor(kind) });
  if (!existing) throw notFound(`${KINDS[kind].label} ${id} does not exist`);
  // Optimistic concurrency: the client says which version it read; a newer save is never overwritten.
  if (typeof input.updatedAt === "string") {
    const read = Date.parse(input.updatedAt);
    const stored = existing.updatedAt instanceof Date ? existing.updatedAt.getTime() : Date.parse(String(existing.updatedAt));
    if (!Number.isFinite(read) || read !== stored) {
      throw conflict(
        `${KINDS[kind].label} "${String(existing.name)}" was changed by someone else since you opened it (saved ${new Date(stored).toISOString()}). Reload it to see the newer values; your changes were not saved.`,
        [fieldError(kind, "updatedAt", "stale", "the record changed since it was read")],
        { current: toView(kind, existing) },
      );
    }
  }
  delete input.updatedAt;
  const before = toView(kind, existing);
  await assertAdminControls(tx, kind, { op: "update", input, before: existing }, actor);
  if (KINDS[kind].directorScoped && input.directorId !== existing.directorId) {
    refuse(kind, [fieldError(kind, "directorId", "immutable", "cannot move to another Director; create it there instead")]);
  }
  const beforeProblems = opts.validate === false ? null : await problemsNow(tx, kind, existing);
  const data = toData(kind, input, "update", existing);
  await checkReferences(tx, kind, { ...input, id, name: data.name ?? input.name ?? existing.name, type: input.type ?? existing.type }, id);
  if (kind === "storages") await resolveDevice(tx, input, data);
  await delegate(tx, kind).update({ where: { id }, data });
  await writeStorageGroup(tx, kind, id, input.storageIds as number[] | undefined);
  const row = await delegate(tx, kind).findUnique({ where: { id }, include: includeFor(kind) });
  const warnings = opts.validate === false ? [] : await validateAfterWrite(tx, kind, row!, beforeProblems);
  const view = toView(kind, row!);
  await bumpModelRevision(tx);
  await audit({ actor: actor.login, ip: actor.ip, action: "update", entityType: kind, entityId: id, entityName: String(row!.name), before, after: view }, tx);
  return warnings.length > 0 ? { ...view, warnings: warningsOf(kind, warnings) } : view;
}

/**
 * The validation of several writes made with `validate: false`, once, when all are done: each
 * record's errors refuse the whole transaction, with the field prefixed by the caller's path.
 */
export async function validateWrites(tx: Tx, writes: { kind: KindKey; id: number; path?: string }[]): Promise<void> {
  for (const w of writes) {
    const row = await delegate(tx, w.kind).findUnique({ where: { id: w.id }, include: includeFor(w.kind) });
    if (!row) continue;
    try {
      await validateAfterWrite(tx, w.kind, row, null);
    } catch (e) {
      if (e instanceof HttpError && w.path)
        throw new HttpError(e.status, `${KINDS[w.kind].label} "${String(row.name)}": ${e.message}`, (e.fields ?? []).map((f) => ({ ...f, field: `${w.path}.${f.field}` })), e.details);
      throw e;
    }
  }
}

/** The whole-config problems before a write (a write is refused only for those it causes). */
async function problemsNow(tx: Tx, kind: KindKey, row: Row): Promise<Problem[] | null> {
  if (!problemTarget(kind, row)) return null;
  try {
    if (kind === "storage-daemons" || kind === "devices" || (kind === "resources" && row.storageDaemonId != null)) {
      const sdId = (kind === "storage-daemons" ? row.id : row.storageDaemonId) as number;
      const cfg = await loadStorageDaemonConfig(tx, sdId);
      return validateStorageDaemon(cfg, undefined, storageDaemonTree(cfg));
    }
    const directorId = (kind === "directors" ? row.id : row.directorId) as number | undefined;
    if (directorId == null) return null;
    const cfg = await loadDirectorConfig(tx, directorId);
    return validateDirector(cfg, directorTree(cfg));
  } catch {
    return null;
  }
}

export async function deleteResource(kind: KindKey, id: number, actor: Actor): Promise<void> {
  await prisma.$transaction(async (tx) => {
    const existing = await delegate(tx, kind).findUnique({ where: { id }, include: includeFor(kind) });
    if (!existing) throw notFound(`${KINDS[kind].label} ${id} does not exist`);
    await assertAdminControls(tx, kind, { op: "delete", before: existing }, actor);
    const refs = await findReferences(tx, kind, id);
    if (refs.length > 0) {
      const list = refs.map((r) => `${r.kind} "${r.name}"${r.via ? ` (${r.via})` : ""}`).join(", ");
      throw conflict(`${KINDS[kind].label} "${String(existing.name)}" is still used by: ${list}`, [], { references: refs });
    }
    await delegate(tx, kind).delete({ where: { id } });
    await bumpModelRevision(tx);
    await audit({ actor: actor.login, ip: actor.ip, action: "delete", entityType: kind, entityId: id, entityName: String(existing.name), before: toView(kind, existing) }, tx);
  });
}

export type { FieldDef };
