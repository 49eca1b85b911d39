/**
 * The builders' I/O: previews (nothing written) and the chain apply (one transaction, through the
 * inventory service so the forms' validation, the reference checks and the audit events apply).
 */
import { z, ZodError } from "zod";
import {
  AdminReplicationError,
  adminReplicationJob,
  adminReplicationScript,
  renderAdminReplicationJob,
  renderDirector,
  renderStorageDaemon,
  RenderError,
  validateDirector,
  validateStorageDaemon,
  type AdminReplicationOptions,
  type DirectorConfig,
} from "@/lib/bacula";
import { loadDirectorConfig, loadStorageDaemonConfig, modelRevision } from "@/lib/config/from-db";
import { prisma, type Tx } from "@/lib/db/client";
import { badRequest, HttpError, notFound, type FieldError } from "@/lib/http/errors";
import { zodToFieldErrors } from "@/lib/http/handler";
import { KINDS } from "@/lib/inventory/fields";
import { baculaName } from "@/lib/inventory/rules";
import { createResourceIn, delegate, readView, updateResourceIn, validateWrites, type Actor } from "@/lib/inventory/service";
import { chainPlanSchema, compileChain, type ChainStep, type CompiledChain } from "./chain";
import { applyDraft, DraftError, draftSchema, previewDraft, withFormField, type DraftPreview, type JobChange, type PoolChange } from "./draft";
import { chainGraph, type ChainGraph } from "./graph";
import { builderFieldLabel } from "./labels";
import { problemText } from "@/lib/http/field-label";
import { strictId, strictInt } from "@/lib/http/numbers";

type Db = typeof prisma | Tx;

const id = strictId();

async function directorRow(db: Db, directorId: number, forDraft: boolean) {
  const row = await db.director.findUnique({ where: { id: directorId } });
  if (!row) throw notFound(`Director ${directorId} does not exist`);
  if (forDraft && row.role === "standby")
    throw badRequest("Director: a standby Director receives its primary's configuration; build on the primary", [
      { field: "directorId", rule: "standby", message: "is a standby: it receives its primary's configuration; build on the primary", label: "Director" },
    ]);
  return row;
}

function renderOrError(render: () => string) {
  try {
    return { text: render(), renderError: null };
  } catch (e) {
    if (e instanceof RenderError) return { text: null, renderError: { resource: e.resource, name: e.resourceName, field: e.path || e.directive, message: e.message } };
    throw e;
  }
}

/** GET /api/config/directors/[id]: the Director's current model, rendered and validated. */
export async function directorConfigPreview(directorId: number) {
  const row = await directorRow(prisma, directorId, false);
  const [cfg, revision] = await Promise.all([loadDirectorConfig(prisma, directorId), modelRevision(prisma)]);
  const { text, renderError } = renderOrError(() => renderDirector(cfg, { revision }));
  const problems = validateDirector(cfg).map(withFormField);
  return {
    director: { id: row.id, name: row.name, role: row.role, version: cfg.director.version, renderedFrom: cfg.director.name },
    revision,
    text,
    renderError,
    problems,
  };
}

/** GET /api/config/storage-daemons/[id]. */
export async function storageDaemonConfigPreview(sdId: number) {
  const row = await prisma.storageDaemon.findUnique({ where: { id: sdId } });
  if (!row) throw notFound(`Storage Daemon ${sdId} does not exist`);
  const [cfg, revision] = await Promise.all([loadStorageDaemonConfig(prisma, sdId), modelRevision(prisma)]);
  const { text, renderError } = renderOrError(() => renderStorageDaemon(cfg, { revision }));
  return { storageDaemon: { id: row.id, name: row.name, version: row.version }, revision, text, renderError, problems: validateStorageDaemon(cfg) };
}

export const previewRequestSchema = z
  .object({
    directorId: id,
    pools: draftSchema.shape.pools,
    jobs: draftSchema.shape.jobs,
    explain: draftSchema.shape.explain,
    /** A copy / clone chain instead of pools and jobs. */
    chain: chainPlanSchema.optional(),
  })
  .strict()
  .superRefine((v, ctx) => {
    if (v.chain && (v.pools.length > 0 || v.jobs.length > 0))
      ctx.addIssue({ code: "custom", path: ["chain"], message: "send either a chain or pools and jobs, not both" });
  });

function draftError(e: unknown, prefix: string): never {
  if (e instanceof DraftError) {
    const field = `${prefix}${e.field}`;
    const f = { field, rule: "draft", message: e.message, label: builderFieldLabel(field) };
    throw badRequest(problemText(f), [f]);
  }
  throw e;
}

/** A builder field error, labelled as the builder pages label the input. */
function builderError(field: string, rule: string, message: string): FieldError {
  return { field, rule, message, label: builderFieldLabel(field) };
}

/** The builders' request schemas: a refused body names each field by the builder's label. */
function parseBuilderBody<T>(schema: z.ZodType<T>, body: unknown): T {
  const r = schema.safeParse(body);
  if (r.success) return r.data;
  const fields = zodToFieldErrors(r.error).map((f) => ({ ...f, label: builderFieldLabel(f.field) }));
  throw badRequest(fields.map(problemText).join("; "), fields);
}

/** An inventory error of one chain record: fields under the record's plan path, labelled as the builder shows them. */
function relabel(e: HttpError, prefix: string | null, lead?: string): HttpError {
  const fields = (e.fields ?? []).map((f) => {
    const field = prefix && !f.field.startsWith(prefix) ? `${prefix}.${f.field}` : f.field;
    return { ...f, field, label: builderFieldLabel(field, f.label) };
  });
  const text = fields.length > 0 ? fields.map(problemText).join("; ") : e.message;
  return new HttpError(e.status, lead ? `${lead}: ${text}` : text, fields, e.details);
}

async function storageDaemonNames(db: Db, directorName: string): Promise<Record<string, string>> {
  const rows = await db.storage.findMany({ where: { director: { name: directorName } }, select: { name: true, storageDaemon: { select: { name: true } } } });
  return Object.fromEntries(rows.map((r) => [r.name, r.storageDaemon.name]));
}

export interface PreviewAnswer extends DraftPreview {
  director: { id: number; name: string; version: string };
  revision: number;
  graph?: ChainGraph;
  notes?: string[];
}

/** POST /api/config/preview: the draft applied to a copy of the model. Writes nothing. */
export async function draftPreview(body: unknown): Promise<PreviewAnswer> {
  const req = parseBuilderBody(previewRequestSchema, body);
  const row = await directorRow(prisma, req.directorId, true);
  const [cfg, revision] = await Promise.all([loadDirectorConfig(prisma, req.directorId), modelRevision(prisma)]);
  const director = { id: row.id, name: row.name, version: cfg.director.version };
  if (req.chain) {
    let compiled: CompiledChain;
    try {
      compiled = compileChain(cfg, req.chain);
    } catch (e) {
      draftError(e, "chain.");
    }
    let preview: DraftPreview;
    try {
      preview = previewDraft(cfg, compiled.draft);
    } catch (e) {
      draftError(e, "");
    }
    const { config } = applyDraft(cfg, compiled.draft);
    const draftNames = new Set(compiled.steps.map((s) => `${s.kind === "Pool" ? "pool" : "job"}:${s.name}`));
    const graph = chainGraph(config, { job: compiled.startJob, pool: compiled.startJob ? undefined : compiled.startPool }, await storageDaemonNames(prisma, cfg.director.name), draftNames);
    return { ...preview, director, revision, graph, notes: compiled.notes };
  }
  try {
    const preview = previewDraft(cfg, { pools: req.pools, jobs: req.jobs, explain: req.explain });
    return { ...preview, director, revision };
  } catch (e) {
    draftError(e, "");
  }
}

/** GET-style graph of an existing chain (no draft). */
export async function currentChainGraph(directorId: number, start: { job?: string; pool?: string }) {
  const row = await directorRow(prisma, directorId, true);
  const cfg = await loadDirectorConfig(prisma, directorId);
  return chainGraph(cfg, start, await storageDaemonNames(prisma, row.name));
}

// ---- apply ---------------------------------------------------------------------------------------

const applyRequestSchema = z.object({ directorId: id, chain: chainPlanSchema }).strict();

type Names = Record<"pools" | "storages" | "jobs" | "clients" | "filesets" | "messages" | "schedules", Map<string, number>>;

async function nameMaps(tx: Tx, directorId: number): Promise<Names> {
  const where = { where: { directorId }, select: { id: true, name: true } } as const;
  const [pools, storages, jobs, clients, filesets, messages, schedules] = await Promise.all([
    tx.pool.findMany(where),
    tx.storage.findMany(where),
    tx.job.findMany(where),
    tx.client.findMany(where),
    tx.fileSet.findMany(where),
    tx.messages.findMany(where),
    tx.schedule.findMany(where),
  ]);
  const m = (rows: { id: number; name: string }[]) => new Map(rows.map((r) => [r.name, r.id]));
  return { pools: m(pools), storages: m(storages), jobs: m(jobs), clients: m(clients), filesets: m(filesets), messages: m(messages), schedules: m(schedules) };
}

/** The inventory body of an existing Pool or Job, as the edit form would send it back unchanged. */
async function currentBody(tx: Tx, kind: "pools" | "jobs", recordId: number): Promise<Record<string, unknown>> {
  const view = await readView(tx, kind, recordId);
  const body: Record<string, unknown> = {};
  for (const f of KINDS[kind].fields) {
    if (f.readOnly || f.type === "secret") continue;
    body[f.key] = view[f.key] ?? null;
  }
  // The version read, so that a concurrent save is not overwritten.
  body.updatedAt = view.updatedAt;
  return body;
}

/** Model-keyed change → inventory-keyed body fields, names resolved to ids. */
function toInventory(step: ChainStep, names: Names): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const ref = (map: keyof Names, name: string | null | undefined, field: string) => {
    if (name === undefined) return;
    if (name === null) {
      out[field] = null;
      return;
    }
    const found = names[map].get(name);
    if (found === undefined) {
      const f = builderError(`${step.path}.${field}`, "exists", `no ${map.slice(0, -1)} named "${name}"`);
      throw badRequest(problemText(f), [f]);
    }
    out[field] = found;
  };
  const c = step.change as PoolChange & JobChange;
  const copy = (from: keyof typeof c, to: string) => {
    if (c[from] !== undefined) out[to] = c[from];
  };
  copy("name", "name");
  if (c.storage !== undefined) out.storageIds = c.storage.map((s, i) => {
    const sid = names.storages.get(s);
    if (sid === undefined) {
      const f = builderError(`${step.path}.storage`, "exists", `no storage named "${s}"`);
      throw badRequest(problemText(f), [f]);
    }
    return sid;
  });
  copy("storageGroupPolicy", "storagePolicy");
  copy("storageGroupPolicyThreshold", "storagePolicyThreshold");
  ref("pools", c.nextPool, "nextPoolId");
  if (step.kind === "Pool") {
    copy("poolType", "poolType");
    copy("labelFormat", "labelFormat");
    copy("volumeRetention", "volumeRetention");
    copy("maximumVolumeBytes", "maximumVolumeBytes");
  } else {
    copy("type", "type");
    copy("level", "level");
    ref("pools", c.pool, "poolId");
    ref("clients", c.client, "clientId");
    ref("filesets", c.fileset, "fileSetId");
    ref("schedules", c.schedule, "scheduleId");
    ref("messages", c.messages, "messagesId");
    copy("selectionType", "selectionType");
    copy("selectionPattern", "selectionPattern");
    copy("run", "runLines");
    copy("priority", "priority");
    copy("enabled", "enabled");
  }
  return out;
}

function prefixed(e: unknown, step: ChainStep): never {
  const lead = `${step.kind} "${step.name}"`;
  if (e instanceof ZodError) throw relabel(badRequest("", zodToFieldErrors(e)), step.path, lead);
  if (e instanceof HttpError) throw relabel(e, step.path, lead);
  throw e;
}

export interface ApplyResult {
  created: { kind: "Pool" | "Job"; id: number; name: string }[];
  updated: { kind: "Pool" | "Job"; id: number; name: string }[];
  revision: number;
  notes: string[];
}

/** POST /api/builder/chain: every record of the chain in one transaction, all or nothing. */
export async function applyChain(body: unknown, actor: Actor): Promise<ApplyResult> {
  const req = parseBuilderBody(applyRequestSchema, body);
  await directorRow(prisma, req.directorId, true);
  return prisma.$transaction(async (tx) => {
    const cfg: DirectorConfig = await loadDirectorConfig(tx, req.directorId);
    let compiled: CompiledChain;
    try {
      compiled = compileChain(cfg, req.chain);
    } catch (e) {
      draftError(e, "chain.");
    }
    const names = await nameMaps(tx, req.directorId);
    const created: ApplyResult["created"] = [];
    const updated: ApplyResult["updated"] = [];
    const written: { kind: "pools" | "jobs"; id: number; path: string }[] = [];
    for (const raw of compiled.steps) {
      const step = { ...raw, path: `chain.${raw.path}` };
      const kind = step.kind === "Pool" ? "pools" : "jobs";
      const map = step.kind === "Pool" ? names.pools : names.jobs;
      try {
        const fields = toInventory(step, names);
        if (step.op === "create") {
          const base = step.kind === "Pool"
            ? { directorId: req.directorId, poolType: "Backup" }
            : { directorId: req.directorId, type: "Backup", runLines: [], runScripts: [] };
          const view = await createResourceIn(tx, kind, { ...base, ...fields }, actor, { validate: false });
          map.set(step.name, view.id);
          created.push({ kind: step.kind, id: view.id, name: step.name });
          written.push({ kind, id: view.id, path: step.path });
        } else {
          const recordId = map.get(step.name);
          if (recordId === undefined) throw notFound(`${step.kind} "${step.name}" does not exist`);
          const current = await currentBody(tx, kind, recordId);
          await updateResourceIn(tx, kind, recordId, { ...current, ...fields }, actor, { validate: false });
          updated.push({ kind: step.kind, id: recordId, name: step.name });
          written.push({ kind, id: recordId, path: step.path });
        }
      } catch (e) {
        prefixed(e, step);
      }
    }
    // The whole chain, as Bacula will read it, once every record is written.
    try {
      await validateWrites(tx, written);
    } catch (e) {
      // validateWrites puts each field under its record's plan path already.
      if (e instanceof HttpError) throw relabel(e, null);
      throw e;
    }
    return { created, updated, revision: await modelRevision(tx), notes: compiled.notes };
  });
}

// ---- standby replication Admin Job (preview only) -------------------------------------------------

const plainPath = z.string().trim().min(1, "is required").max(512, "is too long");

export const adminReplicationRequestSchema = z
  .object({
    standbyId: id,
    standbyHost: z.string().trim().max(253).optional(),
    standbyUser: z.string().trim().max(32).optional(),
    standbyPort: z.preprocess((v) => (v === "" || v === null ? undefined : v), strictInt({ min: 1, max: 65535, rangeMessage: "must be 1..65535" }).optional()),
    sshKeyPath: plainPath.optional(),
    knownHostsPath: plainPath.optional(),
    remoteDir: plainPath.optional(),
    configDir: plainPath.optional(),
    scriptPath: plainPath.optional(),
    jobName: baculaName.optional(),
    method: z.enum(["scp", "rsync"], { error: "must be scp or rsync" }).optional(),
    schedule: z.preprocess((v) => (v === "" ? undefined : v), baculaName.optional()),
  })
  .strict();

/** POST /api/config/admin-replication: the Admin Job and the script it calls, for a standby Director. */
export async function adminReplicationPreview(body: unknown) {
  const req = parseBuilderBody(adminReplicationRequestSchema, body);
  const standby = await prisma.director.findUnique({ where: { id: req.standbyId }, include: { primary: true } });
  if (!standby) throw notFound(`Director ${req.standbyId} does not exist`);
  if (standby.role !== "standby" || !standby.primary) {
    const f = builderError("standbyId", "standby", "is not a standby Director with a primary");
    throw badRequest(problemText(f), [f]);
  }
  const primary = standby.primary;
  const cfg = await loadDirectorConfig(prisma, primary.id);
  const backup = cfg.jobs.find((j) => (j.type ?? "Backup") === "Backup" && j.client && j.fileset && j.pool);
  const safeName = standby.name.replace(/[^A-Za-z0-9._-]/g, "-");
  const options: AdminReplicationOptions = {
    jobName: req.jobName ?? `ReplicateConfig-${safeName}`,
    scriptPath: req.scriptPath ?? `${primary.configDir.replace(/\/$/, "")}/scripts/replicate-config-${safeName}.sh`,
    configDir: req.configDir ?? primary.configDir,
    standbyHost: req.standbyHost ?? standby.address,
    standbyUser: req.standbyUser ?? "bacula",
    standbyPort: req.standbyPort ?? 22,
    remoteDir: req.remoteDir ?? standby.configDir,
    sshKeyPath: req.sshKeyPath ?? "/var/lib/bacula/.ssh/replicate_config_ed25519",
    knownHostsPath: req.knownHostsPath ?? "/var/lib/bacula/.ssh/known_hosts_standby",
    method: req.method ?? "scp",
    standbyName: standby.name,
    client: backup?.client ?? cfg.clients[0]?.name ?? "",
    fileset: backup?.fileset ?? cfg.filesets[0]?.name ?? "",
    pool: backup?.pool ?? cfg.pools[0]?.name ?? "",
    messages: backup?.messages ?? cfg.messages[0]?.name ?? "",
    schedule: req.schedule,
  };
  let jobText: string;
  let scriptText: string;
  let job;
  try {
    job = adminReplicationJob(options);
    jobText = renderAdminReplicationJob(options);
    scriptText = adminReplicationScript(options);
  } catch (e) {
    if (e instanceof AdminReplicationError) {
      const f = builderError(e.field, "value", e.message.replace(/^[^:]+: /, ""));
      throw badRequest(problemText(f), [f]);
    }
    throw e;
  }
  const withJob: DirectorConfig = { ...cfg, jobs: [...cfg.jobs.filter((j) => j.name !== job.name), job] };
  const problems = validateDirector(withJob).filter((p) => p.resource === "Job" && p.name === job.name).map(withFormField);
  return {
    standby: { id: standby.id, name: standby.name, address: standby.address },
    primary: { id: primary.id, name: primary.name, version: primary.version },
    options,
    jobText,
    scriptText,
    problems,
    schedules: cfg.schedules.map((s) => s.name),
  };
}
