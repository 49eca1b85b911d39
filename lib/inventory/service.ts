import { z } from "zod";
import { audit, bumpModelRevision } from "@/lib/audit";
import { prisma, type Tx } from "@/lib/db/client";
import { badRequest, conflict, notFound, type FieldError } from "@/lib/http/errors";
import type { Role } from "@/lib/auth/roles";
import { encryptSecret } from "@/lib/secrets";
import { KINDS, type FieldDef, type KindKey } from "./fields";
import { inputSchema } from "./schema";
import { policyFirstVersion, STORAGE_GROUPS_FIRST_VERSION } from "./policies";
import { versionAtLeast } from "./rules";
import { findReferences } from "./references";
import { assertAdminControls } from "./admin-guard";
import { INT32_MAX, strictId, strictInt } from "@/lib/http/numbers";

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

function includeFor(kind: KindKey): Record<string, unknown> {
  const include: Record<string, unknown> = {};
  for (const f of KINDS[kind].fields) {
    if (f.type === "ref" && f.relation) include[f.relation] = { select: { id: true, name: true } };
    if (f.type === "storageList") {
      include.storages = { orderBy: { position: "asc" }, select: { storage: { select: { id: true, name: true } } } };
    }
  }
  return include;
}

export interface ResourceView {
  id: number;
  [key: string]: unknown;
}

/** What the API sends back: secrets only as "is set", references with their names. */
export function toView(kind: KindKey, row: Row): ResourceView {
  const view: ResourceView = { id: row.id, createdAt: row.createdAt, updatedAt: row.updatedAt };
  const names: Record<string, string | null> = {};
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
    where.OR = meta.searchFields.map((f) => ({ [f]: { contains: query.q!.trim() } }));
  }
  for (const f of meta.fields) {
    if (f.type !== "ref") continue;
    const raw = rawQuery[f.key];
    if (raw === undefined || raw === "") continue;
    const id = /^\d{1,10}$/.test(raw) ? Number(raw) : NaN;
    if (!Number.isInteger(id) || id <= 0 || id > INT32_MAX) throw badRequest(`${f.key} must be an id`, [{ field: f.key, rule: "id", message: "must be an id" }]);
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
      include: includeFor(kind),
    }),
  ]);
  return { items: rows.map((r) => toView(kind, r)), total, page: query.page, pageSize: query.pageSize };
}

export async function getResource(kind: KindKey, id: number): Promise<ResourceView> {
  const row = await delegate(prisma, kind).findUnique({ where: { id }, include: includeFor(kind) });
  if (!row) throw notFound(`${KINDS[kind].label} ${id} does not exist`);
  return toView(kind, row);
}

const optionalId = z.preprocess(
  (v) => (v === "" ? undefined : v),
  strictId().optional(),
);
export const optionsQuerySchema = z.object({ directorId: optionalId, storageDaemonId: optionalId, clusterId: optionalId });

/** Names and ids for pickers, optionally within one Director or Storage Daemon. */
export async function listOptions(kind: KindKey, filter: Record<string, string>) {
  const query = optionsQuerySchema.parse(filter);
  const where: Record<string, unknown> = {};
  for (const key of ["directorId", "storageDaemonId", "clusterId"] as const) {
    if (query[key] === undefined) continue;
    if (!KINDS[kind].fields.some((f) => f.key === key)) {
      throw badRequest(`${key}: ${KINDS[kind].plural} cannot be filtered by ${key}`, [{ field: key, rule: "filter", message: `${KINDS[kind].plural} cannot be filtered by it` }]);
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
  return delegate(prisma, kind).findMany({ where, select, orderBy: { name: "asc" }, take: 5000 });
}

function fieldError(field: string, rule: string, message: string): FieldError {
  return { field, rule, message };
}

/** Checks that cross records: references exist and belong to the same Director, names are unique, versions fit. */
async function checkReferences(tx: Tx, kind: KindKey, data: Record<string, unknown>, selfId: number | null) {
  const meta = KINDS[kind];
  const errors: FieldError[] = [];
  const directorId = data.directorId as number | undefined;
  let directorRow: Row | null = null;
  if (meta.directorScoped && directorId != null) {
    directorRow = await tx.director.findUnique({ where: { id: directorId } });
    if (!directorRow) errors.push(fieldError("directorId", "exists", `no Director with id ${directorId}`));
  }
  for (const f of meta.fields) {
    if (f.type !== "ref" || f.key === "directorId") continue;
    const id = data[f.key] as number | null | undefined;
    if (id == null) continue;
    const target = await delegate(tx, f.ref!).findUnique({ where: { id } });
    if (!target) {
      errors.push(fieldError(f.key, "exists", `no ${KINDS[f.ref!].label} with id ${id}`));
      continue;
    }
    if (f.sameDirector && directorRow && target.directorId !== directorRow.id) {
      errors.push(fieldError(f.key, "same-director", `${KINDS[f.ref!].label} "${String(target.name)}" belongs to another Director than "${String(directorRow.name)}"`));
    }
    if (selfId != null && f.ref === kind && id === selfId) {
      errors.push(fieldError(f.key, "not-self", `cannot point at this ${meta.label.toLowerCase()} itself`));
    }
  }
  const storageIds = (data.storageIds as number[] | undefined) ?? [];
  if (storageIds.length > 0) {
    const storages = await tx.storage.findMany({ where: { id: { in: storageIds } } });
    for (const id of storageIds) {
      const s = storages.find((x) => x.id === id);
      if (!s) errors.push(fieldError("storageIds", "exists", `no Storage with id ${id}`));
      else if (directorRow && s.directorId !== directorRow.id) {
        errors.push(fieldError("storageIds", "same-director", `Storage "${s.name}" belongs to another Director`));
      }
    }
  }
  if (directorRow) {
    const version = String(directorRow.version);
    if (storageIds.length > 1 && !versionAtLeast(version, STORAGE_GROUPS_FIRST_VERSION)) {
      errors.push(fieldError("storageIds", "version", `storage groups need Bacula ${STORAGE_GROUPS_FIRST_VERSION}; Director "${String(directorRow.name)}" runs ${version}, which would use only the first storage`));
    }
    const policy = data.storagePolicy as string | null | undefined;
    if (policy) {
      const first = policyFirstVersion(policy);
      if (first && !versionAtLeast(version, first)) {
        errors.push(fieldError("storagePolicy", "version", `${policy} needs Bacula ${first}; Director "${String(directorRow.name)}" runs ${version}`));
      }
    }
    if (data.storagePolicyThreshold && !versionAtLeast(version, "15.0")) {
      errors.push(fieldError("storagePolicyThreshold", "version", `StorageGroupPolicyThreshold needs Bacula 15.0; Director "${String(directorRow.name)}" runs ${version}`));
    }
  }
  if (kind === "storages" && data.deviceId != null && data.storageDaemonId != null) {
    const device = await tx.device.findUnique({ where: { id: data.deviceId as number } });
    if (device && device.storageDaemonId !== data.storageDaemonId) {
      errors.push(fieldError("deviceId", "same-sd", `device "${device.name}" is not on the chosen Storage Daemon`));
    } else if (device && data.mediaType !== device.mediaType) {
      errors.push(fieldError("mediaType", "match-device", `must match the device's media type "${device.mediaType}"`));
    }
  }
  if (kind === "directors" && data.primaryId != null) {
    const primary = await tx.director.findUnique({ where: { id: data.primaryId as number } });
    if (primary && primary.role !== "primary") {
      errors.push(fieldError("primaryId", "role", `Director "${primary.name}" is not a primary`));
    }
  }
  if (kind === "pools" && data.nextPoolId != null) {
    const chain: string[] = [String(data.name)];
    let cursor = data.nextPoolId as number | null;
    const seen = new Set<number>();
    while (cursor != null && !seen.has(cursor)) {
      seen.add(cursor);
      if (selfId != null && cursor === selfId) {
        chain.push(String(data.name));
        errors.push(fieldError("nextPoolId", "cycle", `makes a Next Pool cycle: ${chain.join(" → ")}`));
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
    if (other) errors.push(fieldError("role", "one-primary", `cluster already has a primary ("${other.name}")`));
  }
  if (errors.length > 0) throw badRequest(errors.map((e) => `${e.field}: ${e.message}`).join("; "), errors);

  // Names: unique per resource type within a Director (or globally for daemons and hosts).
  const nameWhere: Record<string, unknown> = { name: data.name };
  if (meta.directorScoped) nameWhere.directorId = directorId;
  if (kind === "devices") nameWhere.storageDaemonId = data.storageDaemonId;
  if (kind === "catalog-members") nameWhere.clusterId = data.clusterId;
  if (selfId != null) nameWhere.id = { not: selfId };
  const clash = await delegate(tx, kind).findFirst({ where: nameWhere });
  if (clash) {
    const scope = meta.directorScoped && directorRow ? ` on Director "${String(directorRow.name)}"` : "";
    throw conflict(`A ${meta.label} named "${String(data.name)}" already exists${scope}`, [
      fieldError("name", "unique", `a ${meta.label} named "${String(data.name)}" already exists${scope}`),
    ]);
  }
}

function toData(kind: KindKey, input: Record<string, unknown>, mode: "create" | "update") {
  const data: Record<string, unknown> = {};
  for (const f of KINDS[kind].fields) {
    if (f.readOnly || f.type === "storageList") continue;
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
  return data;
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

export async function createResource(kind: KindKey, body: unknown, actor: Actor): Promise<ResourceView> {
  const input = inputSchema(kind, "create").parse(body) as Record<string, unknown>;
  return prisma.$transaction((tx) => createResourceIn(tx, kind, input, actor));
}

/** createResource inside a caller's transaction (several records, all or nothing). */
export async function createResourceIn(tx: Tx, kind: KindKey, body: unknown, actor: Actor): Promise<ResourceView> {
  const input = inputSchema(kind, "create").parse(body) as Record<string, unknown>;
  {
    await assertAdminControls(tx, kind, { op: "create", input }, actor);
    await checkReferences(tx, kind, input, null);
    const created = await delegate(tx, kind).create({ data: toData(kind, input, "create") });
    await writeStorageGroup(tx, kind, created.id, input.storageIds as number[] | undefined);
    const row = await delegate(tx, kind).findUnique({ where: { id: created.id }, include: includeFor(kind) });
    const view = toView(kind, row!);
    await bumpModelRevision(tx);
    await audit({ actor: actor.login, ip: actor.ip, action: "create", entityType: kind, entityId: created.id, entityName: String(input.name), after: view }, tx);
    return view;
  }
}

export async function updateResource(kind: KindKey, id: number, body: unknown, actor: Actor): Promise<ResourceView> {
  const input = inputSchema(kind, "update").parse(body) as Record<string, unknown>;
  return prisma.$transaction((tx) => updateResourceIn(tx, kind, id, input, actor));
}

/** updateResource inside a caller's transaction (several records, all or nothing). */
export async function updateResourceIn(tx: Tx, kind: KindKey, id: number, body: unknown, actor: Actor): Promise<ResourceView> {
  const input = inputSchema(kind, "update").parse(body) as Record<string, unknown>;
  {
    const existing = await delegate(tx, kind).findUnique({ where: { id }, include: includeFor(kind) });
    if (!existing) throw notFound(`${KINDS[kind].label} ${id} does not exist`);
    const before = toView(kind, existing);
    await assertAdminControls(tx, kind, { op: "update", input, before: existing }, actor);
    if (KINDS[kind].directorScoped && input.directorId !== existing.directorId) {
      throw badRequest("directorId: a resource cannot move to another Director; create it there instead", [
        fieldError("directorId", "immutable", "cannot move to another Director; create it there instead"),
      ]);
    }
    await checkReferences(tx, kind, input, id);
    await delegate(tx, kind).update({ where: { id }, data: toData(kind, input, "update") });
    await writeStorageGroup(tx, kind, id, input.storageIds as number[] | undefined);
    const row = await delegate(tx, kind).findUnique({ where: { id }, include: includeFor(kind) });
    const view = toView(kind, row!);
    await bumpModelRevision(tx);
    await audit({ actor: actor.login, ip: actor.ip, action: "update", entityType: kind, entityId: id, entityName: String(input.name), before, after: view }, tx);
    return view;
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
