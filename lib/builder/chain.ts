/**
 * Copy / clone chains: a plan (start from a backup Job or a Pool, then hops) compiled into draft
 * changes of the model. Copy hop: a Copy job reading the source pool and writing to its Next Pool
 * (picked or created, with its storage). Clone hop: a `Run = "CloneJob level=%l since=\"%s\""` line
 * in the backup Job, starting a clone Job that writes to a pool on another storage.
 * Pure: the preview applies the compiled draft in memory, the apply route writes it through the
 * inventory service.
 */
import { z } from "zod";
import { effectiveJob, SELECTION_TYPES, type DirectorConfig, type JobLike } from "@/lib/bacula";
import { baculaName, baculaTime, safeText } from "@/lib/inventory/rules";
import { DraftError, type Draft, type JobChange, type PoolChange } from "./draft";

export const targetSchema = z
  .object({
    /** The pool the hop writes to: an existing one, or a new one with its storage. */
    pool: baculaName,
    create: z.boolean().default(false),
    /** For a new pool: its storage (group), in order. */
    storage: z.array(baculaName).max(64).default([]),
    labelFormat: z.preprocess((v) => (v === "" ? undefined : v), safeText(127).optional()),
    volumeRetention: z.preprocess((v) => (v === "" ? undefined : v), baculaTime.optional()),
  })
  .strict()
  .superRefine((t, ctx) => {
    if (t.create && t.storage.length === 0)
      ctx.addIssue({ code: "custom", path: ["storage"], message: "a new pool needs a storage to write to" });
  });

const copyHopSchema = z
  .object({
    type: z.literal("copy"),
    target: targetSchema,
    job: z
      .object({
        name: baculaName,
        selectionType: z.enum(SELECTION_TYPES, { error: `must be one of ${SELECTION_TYPES.join(", ")}` }),
        selectionPattern: z.preprocess((v) => (v === "" ? undefined : v), safeText(1024).optional()),
        /** "schedule": its own Schedule; "after": the previous job's Schedule at the next priority, so it starts once that job finished. */
        trigger: z.enum(["schedule", "after"], { error: "must be schedule or after" }).default("after"),
        schedule: z.preprocess((v) => (v === "" ? undefined : v), baculaName.optional()),
      })
      .strict()
      .superRefine((j, ctx) => {
        if (j.trigger === "schedule" && !j.schedule) ctx.addIssue({ code: "custom", path: ["schedule"], message: "choose a Schedule" });
        if (["Client", "Volume", "Job", "SqlQuery"].includes(j.selectionType) && !j.selectionPattern)
          ctx.addIssue({ code: "custom", path: ["selectionPattern"], message: `is required for selection type ${j.selectionType}` });
      }),
  })
  .strict();

const cloneHopSchema = z
  .object({
    type: z.literal("clone"),
    target: targetSchema,
    job: z.object({ name: baculaName }).strict(),
  })
  .strict();

export const hopSchema = z.discriminatedUnion("type", [copyHopSchema, cloneHopSchema]);

export const chainPlanSchema = z
  .object({
    start: z
      .object({ job: baculaName.optional(), pool: baculaName.optional() })
      .strict()
      .refine((s) => Boolean(s.job) !== Boolean(s.pool), { message: "start from a Job or from a Pool (one of them)" }),
    hops: z.array(hopSchema).max(10, "at most 10 hops"),
    /** Client, FileSet and Messages of the new jobs (Bacula requires them even for Copy jobs); default: the start Job's. */
    defaults: z
      .object({
        client: z.preprocess((v) => (v === "" ? undefined : v), baculaName.optional()),
        fileset: z.preprocess((v) => (v === "" ? undefined : v), baculaName.optional()),
        messages: z.preprocess((v) => (v === "" ? undefined : v), baculaName.optional()),
      })
      .strict()
      .default({}),
  })
  .strict();

export type ChainPlan = z.infer<typeof chainPlanSchema>;
export type Hop = z.infer<typeof hopSchema>;

/** One write of the compiled plan, in order, with the plan path its errors belong to. */
export interface ChainStep {
  op: "create" | "update";
  kind: "Pool" | "Job";
  name: string;
  /** Plan path, e.g. "hops.1.job" or "hops.0.target". */
  path: string;
  change: PoolChange | JobChange;
}

export interface CompiledChain {
  draft: Draft;
  steps: ChainStep[];
  notes: string[];
  startJob?: string;
  startPool: string;
}

export const cloneRunLine = (job: string) => `${job} level=%l since="%s"`;

/** Compile a plan against the current model. Throws DraftError naming the plan field. */
export function compileChain(cfg: DirectorConfig, plan: ChainPlan): CompiledChain {
  const notes: string[] = [];
  const poolNames = new Set(cfg.pools.map((p) => p.name));
  const jobNames = new Set(cfg.jobs.map((j) => j.name));
  const storageNames = new Set(cfg.storages.map((s) => s.name));
  const nextPoolOf = new Map(cfg.pools.map((p) => [p.name, p.nextPool]));

  let startJob: JobLike | undefined;
  let startPool: string;
  if (plan.start.job) {
    const job = cfg.jobs.find((j) => j.name === plan.start.job);
    if (!job) throw new DraftError("start.job", `no Job named "${plan.start.job}" on this Director`);
    startJob = effectiveJob(cfg, job);
    if ((startJob.type ?? "Backup") !== "Backup") throw new DraftError("start.job", `"${job.name}" is a ${startJob.type} job; start from a Backup job`);
    if (!startJob.pool) throw new DraftError("start.job", `Job "${job.name}" has no Pool`);
    startPool = startJob.pool;
  } else {
    if (!poolNames.has(plan.start.pool!)) throw new DraftError("start.pool", `no Pool named "${plan.start.pool}" on this Director`);
    startPool = plan.start.pool!;
  }
  const backupJob = startJob ?? cfg.jobs.map((j) => effectiveJob(cfg, j)).find((j) => (j.type ?? "Backup") === "Backup" && j.pool === startPool);

  const client = plan.defaults.client ?? backupJob?.client;
  const fileset = plan.defaults.fileset ?? backupJob?.fileset;
  const messages = plan.defaults.messages ?? backupJob?.messages;

  const pools: PoolChange[] = [];
  const poolUpdates = new Map<string, PoolChange>();
  const jobs: JobChange[] = [];
  const steps: ChainStep[] = [];
  const newJobs = new Set<string>();
  const newPools = new Map<string, string[]>();
  const runLines = [...(startJob?.run ?? [])];

  const needed = (path: string) => {
    if (!client) throw new DraftError("defaults.client", "choose the Client the new jobs name (Bacula requires one even for Copy jobs)");
    if (!fileset) throw new DraftError("defaults.fileset", "choose the FileSet the new jobs name");
    if (!messages) throw new DraftError("defaults.messages", "choose the Messages resource of the new jobs");
    void path;
  };

  const target = (hop: Hop, i: number): string => {
    const t = hop.target;
    const path = `hops.${i}.target`;
    if (t.create) {
      if (poolNames.has(t.pool) || newPools.has(t.pool)) throw new DraftError(`${path}.pool`, `a Pool named "${t.pool}" already exists`);
      t.storage.forEach((s, k) => {
        if (!storageNames.has(s)) throw new DraftError(`${path}.storage.${k}`, `no Storage named "${s}" on this Director`);
      });
      const change: PoolChange = {
        name: t.pool,
        create: true,
        poolType: "Backup",
        storage: t.storage,
        labelFormat: t.labelFormat ?? `${t.pool}-`,
        volumeRetention: t.volumeRetention,
      };
      pools.push(change);
      steps.push({ op: "create", kind: "Pool", name: t.pool, path, change });
      newPools.set(t.pool, t.storage);
    } else if (!poolNames.has(t.pool) && !newPools.has(t.pool)) {
      throw new DraftError(`${path}.pool`, `no Pool named "${t.pool}" on this Director`);
    }
    return t.pool;
  };

  const newJobName = (name: string, path: string) => {
    if (jobNames.has(name) || newJobs.has(name)) throw new DraftError(`${path}.name`, `a Job named "${name}" already exists`);
    newJobs.add(name);
  };

  let source = startPool;
  let prevJob: { schedule?: string; priority: number; name: string } | undefined = backupJob
    ? { schedule: backupJob.schedule, priority: backupJob.priority ?? 10, name: backupJob.name }
    : undefined;

  plan.hops.forEach((hop, i) => {
    const path = `hops.${i}.job`;
    newJobName(hop.job.name, path);
    needed(path);
    if (hop.type === "copy") {
      const dest = target(hop, i);
      if (dest === source) throw new DraftError(`hops.${i}.target.pool`, `the copy target must differ from the source pool "${source}"`);
      const change: JobChange = {
        name: hop.job.name,
        create: true,
        type: "Copy",
        pool: source,
        client,
        fileset,
        messages,
        selectionType: hop.job.selectionType,
        selectionPattern: hop.job.selectionPattern,
      };
      const current = nextPoolOf.get(source);
      if (!current || current === dest) {
        if (!current) {
          // Also for a pool created by an earlier hop: set after every pool exists.
          const upd: PoolChange = { name: source, create: false, nextPool: dest };
          poolUpdates.set(source, upd);
          steps.push({ op: "update", kind: "Pool", name: source, path: `hops.${i}.target`, change: upd });
          nextPoolOf.set(source, dest);
          notes.push(`Pool "${source}" gets Next Pool = "${dest}".`);
        }
      } else {
        change.nextPool = dest;
        notes.push(`Pool "${source}" already has Next Pool "${current}", so ${hop.job.name} sets its own Next Pool = "${dest}".`);
      }
      if (hop.job.trigger === "schedule") {
        change.schedule = hop.job.schedule;
        prevJob = { schedule: hop.job.schedule, priority: 10, name: hop.job.name };
      } else {
        if (!prevJob?.schedule)
          throw new DraftError(`${path}.trigger`, prevJob ? `Job "${prevJob.name}" has no Schedule to follow; choose a Schedule for this copy` : `no backup job writes to pool "${source}"; choose a Schedule`);
        change.schedule = prevJob.schedule;
        change.priority = prevJob.priority + 1;
        notes.push(`${hop.job.name} runs from Schedule "${prevJob.schedule}" at Priority ${change.priority}: Bacula starts it once "${prevJob.name}" (Priority ${prevJob.priority}) has finished.`);
        prevJob = { schedule: prevJob.schedule, priority: change.priority, name: hop.job.name };
      }
      jobs.push(change);
      steps.push({ op: "create", kind: "Job", name: hop.job.name, path, change });
      source = dest;
    } else {
      if (!startJob) throw new DraftError(`hops.${i}.type`, "a clone hop needs a backup Job to start from (its Run = line starts the clone)");
      const dest = target(hop, i);
      if (dest === startPool)
        throw new DraftError(`hops.${i}.target.pool`, `the clone must write to another pool than "${startPool}" (the Pool's Storage list wins over the Job's, so it would land on the same storage)`);
      const change: JobChange = {
        name: hop.job.name,
        create: true,
        type: "Backup",
        level: startJob.level as JobChange["level"],
        pool: dest,
        client: startJob.client ?? client,
        fileset: startJob.fileset ?? fileset,
        messages: startJob.messages ?? messages,
      };
      jobs.push(change);
      steps.push({ op: "create", kind: "Job", name: hop.job.name, path, change });
      runLines.push(cloneRunLine(hop.job.name));
      notes.push(`Job "${startJob.name}" gets Run = "${cloneRunLine(hop.job.name).replace(/"/g, '\\"')}": each run also starts ${hop.job.name} with the same level and since time.`);
    }
  });

  if (startJob && runLines.length !== (startJob.run ?? []).length) {
    const change: JobChange = { name: startJob.name, create: false, run: runLines };
    jobs.push(change);
    steps.push({ op: "update", kind: "Job", name: startJob.name, path: "start.job", change });
  }

  const draft: Draft = {
    pools: [...pools, ...poolUpdates.values()],
    jobs,
    explain: startJob ? { job: startJob.name } : { pool: startPool },
  };
  // Pool creations first, then pool updates (Next Pool), then jobs: the order the apply writes in.
  steps.sort((a, b) => rank(a) - rank(b));
  return { draft, steps, notes, startJob: startJob?.name, startPool };
}

function rank(s: ChainStep): number {
  if (s.kind === "Pool") return s.op === "create" ? 0 : 1;
  return s.op === "create" ? 2 : 3;
}
