/**
 * Draft changes to a Director's model, applied in memory for a preview: nothing here touches the
 * database. The preview shows the rendered resources the draft touches, the validator's problems
 * for them (tied to resource and field) and how the Director will choose a storage.
 */
import { z } from "zod";
import {
  explainStorageSelection,
  JOB_LEVELS,
  JOB_TYPES,
  POOL_TYPES,
  RenderError,
  renderResource,
  SELECTION_TYPES,
  validateDirector,
  type DirectorConfig,
  type JobResource,
  type PoolResource,
  type Problem,
  type StorageSelection,
} from "@/lib/bacula";
import { baculaName, baculaSize, baculaTime, safeText } from "@/lib/inventory/rules";
import { strictInt } from "@/lib/http/numbers";

/** A policy is sent as written: the validator (not the schema) judges spelling and version, naming the field. */
const policyText = z
  .string()
  .trim()
  .max(64, "must be at most 64 characters")
  .regex(/^[A-Za-z]*$/, "must be a policy name such as LeastUsed");

const nullable = <T extends z.ZodType>(s: T) => z.preprocess((v) => (v === "" ? null : v), s.nullable().optional());

export const poolChangeSchema = z
  .object({
    name: baculaName,
    /** A pool that does not exist yet (the chain builder's new copy target). */
    create: z.boolean().default(false),
    poolType: z.enum(POOL_TYPES, { error: `must be one of ${POOL_TYPES.join(", ")}` }).optional(),
    storage: z.array(baculaName).max(64, "may hold at most 64 storages")
      .refine((l) => new Set(l).size === l.length, { message: "lists a storage twice" })
      .optional(),
    storageGroupPolicy: nullable(policyText),
    storageGroupPolicyThreshold: nullable(baculaSize),
    nextPool: nullable(baculaName),
    labelFormat: nullable(safeText(127)),
    volumeRetention: nullable(baculaTime),
    maximumVolumeBytes: nullable(baculaSize),
  })
  .strict();

export const jobChangeSchema = z
  .object({
    name: baculaName,
    create: z.boolean().default(false),
    type: z.enum(JOB_TYPES, { error: `must be one of ${JOB_TYPES.join(", ")}` }).optional(),
    level: nullable(z.enum(JOB_LEVELS, { error: `must be one of ${JOB_LEVELS.join(", ")}` })),
    pool: nullable(baculaName),
    nextPool: nullable(baculaName),
    client: nullable(baculaName),
    fileset: nullable(baculaName),
    schedule: nullable(baculaName),
    messages: nullable(baculaName),
    storage: z.array(baculaName).max(64, "may hold at most 64 storages")
      .refine((l) => new Set(l).size === l.length, { message: "lists a storage twice" })
      .optional(),
    storageGroupPolicy: nullable(policyText),
    storageGroupPolicyThreshold: nullable(baculaSize),
    selectionType: nullable(z.enum(SELECTION_TYPES, { error: `must be one of ${SELECTION_TYPES.join(", ")}` })),
    selectionPattern: nullable(safeText(1024)),
    /** Replaces the Job's `Run =` lines. */
    run: z.array(safeText(1024).refine((s) => s.trim() !== "", { message: "must not be empty" })).max(20).optional(),
    priority: nullable(strictInt({ min: 1, max: 10000, rangeMessage: "must be between 1 and 10000" })),
    enabled: z.boolean().optional(),
  })
  .strict();

export const draftSchema = z
  .object({
    pools: z.array(poolChangeSchema).max(20).default([]),
    jobs: z.array(jobChangeSchema).max(20).default([]),
    /** Which selection to explain; by default the first Pool (or Job) of the draft. */
    explain: z.object({ pool: baculaName.optional(), job: baculaName.optional() }).strict().optional(),
  })
  .strict();

export type PoolChange = z.infer<typeof poolChangeSchema>;
export type JobChange = z.infer<typeof jobChangeSchema>;
export type Draft = z.infer<typeof draftSchema>;

export interface AffectedResource {
  kind: "Pool" | "Job";
  name: string;
  created: boolean;
}

export class DraftError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = "DraftError";
  }
}

function set<T extends object>(target: T, key: keyof T, value: unknown) {
  if (value === undefined) return;
  if (value === null) delete (target as Record<string, unknown>)[key as string];
  else (target as Record<string, unknown>)[key as string] = value;
}

/** A deep copy of the config with the draft applied. Throws DraftError (with the draft's field path) for an unknown resource. */
export function applyDraft(cfg: DirectorConfig, draft: Draft): { config: DirectorConfig; affected: AffectedResource[] } {
  const config = structuredClone(cfg);
  const affected: AffectedResource[] = [];
  draft.pools.forEach((change, i) => {
    let pool = config.pools.find((p) => p.name === change.name);
    if (change.create) {
      if (pool) throw new DraftError(`pools.${i}.name`, `a Pool named "${change.name}" already exists`);
      pool = { name: change.name, poolType: "Backup" };
      config.pools.push(pool);
    } else if (!pool) throw new DraftError(`pools.${i}.name`, `no Pool named "${change.name}" on this Director`);
    const { name: _n, create: _c, ...rest } = change;
    for (const [k, v] of Object.entries(rest)) set(pool, k as keyof PoolResource, v);
    const existing = affected.find((a) => a.kind === "Pool" && a.name === pool.name);
    if (!existing) affected.push({ kind: "Pool", name: pool.name, created: change.create });
  });
  draft.jobs.forEach((change, i) => {
    let job = config.jobs.find((j) => j.name === change.name);
    if (change.create) {
      if (job) throw new DraftError(`jobs.${i}.name`, `a Job named "${change.name}" already exists`);
      job = { name: change.name, type: "Backup" };
      config.jobs.push(job);
    } else if (!job) throw new DraftError(`jobs.${i}.name`, `no Job named "${change.name}" on this Director`);
    const { name: _n, create: _c, ...rest } = change;
    for (const [k, v] of Object.entries(rest)) set(job, k as keyof JobResource, v);
    if (!affected.some((a) => a.kind === "Job" && a.name === job.name)) affected.push({ kind: "Job", name: job.name, created: change.create });
  });
  return { config, affected };
}

/** Model keys of the validator's problems mapped to the inventory form's field keys. */
const FORM_FIELD: Record<string, string> = {
  storage: "storageIds",
  storageGroupPolicy: "storagePolicy",
  storageGroupPolicyThreshold: "storagePolicyThreshold",
  nextPool: "nextPoolId",
  pool: "poolId",
  client: "clientId",
  fileset: "fileSetId",
  schedule: "scheduleId",
  messages: "messagesId",
  run: "runLines",
};

export type PreviewProblem = Problem & { formField: string };

export function withFormField(p: Problem): PreviewProblem {
  const base = p.field.split(/[.[]/)[0];
  return { ...p, formField: FORM_FIELD[base] ?? base };
}

export interface RenderedResource {
  kind: "Pool" | "Job" | "Storage";
  name: string;
  created: boolean;
  text: string | null;
  /** Set when the resource cannot be written safely (the renderer refused a value). */
  error?: { field: string; message: string };
}

export function renderOne(kind: "Pool" | "Job" | "Storage", res: object, created = false): RenderedResource {
  const name = String((res as { name?: unknown }).name ?? "");
  try {
    return { kind, name, created, text: renderResource(kind, res) };
  } catch (e) {
    if (e instanceof RenderError) return { kind, name, created, text: null, error: { field: e.path || e.directive, message: e.message } };
    throw e;
  }
}

export interface DraftPreview {
  /** False when the validator finds an error in the resources the draft touches. */
  ok: boolean;
  resources: RenderedResource[];
  problems: PreviewProblem[];
  explanation: StorageSelection | null;
}

/**
 * Problems that concern the draft: those of the touched resources, and those of Jobs that read from or
 * write to a touched Pool (a copy job whose Next Pool lost its storage, a second-hop selection...).
 */
export function relevantProblems(config: DirectorConfig, affected: AffectedResource[], problems: Problem[]): PreviewProblem[] {
  const pools = new Set(affected.filter((a) => a.kind === "Pool").map((a) => a.name));
  const jobs = new Set(affected.filter((a) => a.kind === "Job").map((a) => a.name));
  for (const j of config.jobs) {
    if ((j.pool && pools.has(j.pool)) || (j.nextPool && pools.has(j.nextPool))) jobs.add(j.name);
  }
  return problems
    .filter((p) => (p.resource === "Pool" && pools.has(p.name)) || (p.resource === "Job" && jobs.has(p.name)))
    .map(withFormField);
}

export function previewDraft(cfg: DirectorConfig, draft: Draft, extraResources: RenderedResource[] = []): DraftPreview {
  const { config, affected } = applyDraft(cfg, draft);
  const problems = relevantProblems(config, affected, validateDirector(config));
  const resources: RenderedResource[] = [...extraResources];
  for (const a of affected) {
    const res = a.kind === "Pool" ? config.pools.find((p) => p.name === a.name) : config.jobs.find((j) => j.name === a.name);
    if (res) resources.push(renderOne(a.kind, res, a.created));
  }
  const target = draft.explain ?? (affected[0] ? { [affected[0].kind === "Pool" ? "pool" : "job"]: affected[0].name } : null);
  const explanation = target ? explainStorageSelection(config, target) : null;
  return { ok: !problems.some((p) => p.severity === "error"), resources, problems, explanation };
}
