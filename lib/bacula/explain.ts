/**
 * Plain-English explanation of how the Director picks a Storage for a Job (or a Pool).
 *
 * Precedence (DESIGN.md): the Pool's Storage list wins over the Job's; the policy is
 * the Pool's, then the Job's (JobDefs inherited), then ListedOrder. The runtime compares
 * the policy name case-sensitively: a non-canonical spelling falls back to ListedOrder.
 * Bacula before 13.0 uses only the first storage of a list.
 */
import { compareVersions } from "./tables";
import { STORAGE_GROUP_POLICIES, type DirectorConfig, type JobLike, type PoolResource } from "./model";
import { effectiveJob } from "./validate";

export type Source = "pool" | "job" | "jobdefs" | "default" | "none";

export interface StorageSelection {
  job?: string;
  pool?: string;
  /** Storages the Director chooses from, in order. */
  storages: string[];
  storageSource: Source;
  /** Policy as written (where it comes from: policySource). */
  writtenPolicy?: string;
  /** Policy the Director will actually apply. */
  policy: string;
  policySource: Source;
  threshold?: string;
  /** For Copy/Migrate jobs: how the destination (Next Pool) storage is chosen. */
  destination?: StorageSelection;
  /** The explanation, one sentence per line. */
  lines: string[];
  text: string;
}

const POLICY_TEXT: Record<string, (threshold?: string) => string> = {
  ListedOrder: () =>
    "ListedOrder: the Director tries the storages in the order listed and uses the first one it can use; it moves on to the next one only when a storage is unavailable.",
  LeastUsed: () =>
    "LeastUsed: the Director uses the storage that currently runs the fewest jobs, which spreads concurrent jobs over the group.",
  FreeSpace: () =>
    "FreeSpace: the Director asks the storages for their free space and prefers the one with the most free space.",
  FreeSpaceLeastUsed: (t) =>
    `FreeSpaceLeastUsed: the Director ranks the storages by free space and by running jobs, preferring a less used storage among those with enough free space${t ? ` (threshold ${t})` : ""}.`,
  LastBackedUpTo: () =>
    "LastBackedUpTo: the Director prefers the storage that the job's previous backup was written to.",
};

function q(s: string): string {
  return JSON.stringify(s);
}

function explainList(
  cfg: DirectorConfig,
  pool: PoolResource | undefined,
  job: JobLike | undefined,
  jobDefs: JobLike | undefined,
  lines: string[],
): Omit<StorageSelection, "lines" | "text" | "job" | "pool"> {
  const version = cfg.director.version;
  let storages: string[] = [];
  let storageSource: Source = "none";
  if (pool?.storage?.length) {
    storages = pool.storage;
    storageSource = "pool";
    const jobList = job?.storage ?? jobDefs?.storage;
    lines.push(
      `The Pool ${q(pool.name)} lists ${storages.map(q).join(", ")}; the Pool's Storage list wins` +
        (jobList?.length ? ` over the Job's (${jobList.map(q).join(", ")}), which is not used.` : "."),
    );
  } else if (job?.storage?.length) {
    storages = job.storage;
    storageSource = "job";
    lines.push(`The Pool${pool ? ` ${q(pool.name)}` : ""} has no Storage, so the Job's list is used: ${storages.map(q).join(", ")}.`);
  } else if (jobDefs?.storage?.length) {
    storages = jobDefs.storage;
    storageSource = "jobdefs";
    lines.push(`Neither the Pool nor the Job lists a Storage; the JobDefs ${q(jobDefs.name)} gives ${storages.map(q).join(", ")}.`);
  } else {
    lines.push("No Storage is set in the Pool or the Job: Bacula refuses this configuration.");
    return { storages, storageSource, policy: "ListedOrder", policySource: "default" };
  }

  let writtenPolicy: string | undefined;
  let policySource: Source = "default";
  let threshold: string | undefined;
  if (pool?.storageGroupPolicy) {
    writtenPolicy = pool.storageGroupPolicy;
    policySource = "pool";
    threshold = pool.storageGroupPolicyThreshold;
  } else if (job?.storageGroupPolicy) {
    writtenPolicy = job.storageGroupPolicy;
    policySource = "job";
    threshold = job.storageGroupPolicyThreshold;
  } else if (jobDefs?.storageGroupPolicy) {
    writtenPolicy = jobDefs.storageGroupPolicy;
    policySource = "jobdefs";
    threshold = jobDefs.storageGroupPolicyThreshold;
  }
  threshold ??= pool?.storageGroupPolicyThreshold ?? job?.storageGroupPolicyThreshold ?? jobDefs?.storageGroupPolicyThreshold;

  if (storages.length === 1) {
    lines.push(`With a single storage there is nothing to choose: every job goes to ${q(storages[0])}.`);
    return { storages, storageSource, writtenPolicy, policy: writtenPolicy ?? "ListedOrder", policySource, threshold };
  }
  if (compareVersions(version, "13.0") < 0) {
    lines.push(
      `This Director runs Bacula ${version}, which has no storage groups: it uses only the first storage, ${q(storages[0])}` +
        (writtenPolicy ? `, and refuses the StorageGroupPolicy directive altogether.` : "."),
    );
    return { storages: storages.slice(0, 1), storageSource, writtenPolicy, policy: "none", policySource, threshold };
  }

  const from =
    policySource === "pool"
      ? `the Pool ${q(pool!.name)}`
      : policySource === "job"
        ? `the Job ${q(job!.name)}`
        : policySource === "jobdefs"
          ? `the JobDefs ${q(jobDefs!.name)}`
          : "";
  let policy = "ListedOrder";
  if (writtenPolicy === undefined) {
    lines.push("No StorageGroupPolicy is set in the Pool, the Job or its JobDefs, so the default ListedOrder applies.");
  } else if ((STORAGE_GROUP_POLICIES as readonly string[]).includes(writtenPolicy)) {
    policy = writtenPolicy;
    const minVersion = ["FreeSpace", "FreeSpaceLeastUsed", "LastBackedUpTo"].includes(writtenPolicy) ? "15.0" : "13.0";
    if (compareVersions(version, minVersion) < 0) {
      lines.push(`The policy ${writtenPolicy} from ${from} needs Bacula ${minVersion}; this Director (${version}) refuses the configuration.`);
    } else {
      lines.push(
        `The policy comes from ${from}` +
          (policySource === "pool" ? " (a Pool's policy takes precedence over the Job's)." : policySource === "job" ? " (the Pool sets none)." : " (neither the Pool nor the Job sets one)."),
      );
    }
  } else {
    const canon = STORAGE_GROUP_POLICIES.find((p) => p.toLowerCase() === writtenPolicy!.toLowerCase());
    if (canon) {
      lines.push(
        `${from} writes ${q(writtenPolicy)}: the parser accepts it but the Director compares policy names case-sensitively, so it silently falls back to ListedOrder. Write ${canon}.`,
      );
    } else {
      lines.push(`${from} writes the unknown policy ${q(writtenPolicy)}; Bacula refuses the configuration ("Invalid storage policy!").`);
    }
  }
  lines.push((POLICY_TEXT[policy] ?? POLICY_TEXT.ListedOrder)(threshold));
  lines.push(
    `The Director logs its choice as: Storage "<name>" was selected out of group of ${storages.length} available storages. StorageGroupPolicy "<policy>" used.`,
  );
  return { storages, storageSource, writtenPolicy, policy, policySource, threshold };
}

/**
 * Explain storage selection for a Job (with JobDefs and its Pool) or for a Pool alone.
 * For Copy and Migrate jobs, `destination` explains the Next Pool's side.
 */
export function explainStorageSelection(
  cfg: DirectorConfig,
  target: { job?: string; pool?: string },
): StorageSelection {
  const lines: string[] = [];
  const job = target.job ? cfg.jobs.find((j) => j.name === target.job) : undefined;
  if (target.job && !job) {
    const text = `There is no Job ${q(target.job)}.`;
    return { job: target.job, storages: [], storageSource: "none", policy: "ListedOrder", policySource: "default", lines: [text], text };
  }
  const jobDefs = job?.jobDefs ? cfg.jobDefs.find((j) => j.name === job.jobDefs) : undefined;
  const eff = job ? effectiveJob(cfg, job) : undefined;
  const poolName = target.pool ?? eff?.pool;
  const pool = poolName ? cfg.pools.find((p) => p.name === poolName) : undefined;
  const reads = eff?.type === "Copy" || eff?.type === "Migrate";
  if (job) lines.push(`Job ${q(job.name)} ${reads ? "reads from" : "writes to"} Pool ${poolName ? q(poolName) : "(none)"}${jobDefs ? ` (JobDefs ${q(jobDefs.name)} applied)` : ""}.`);
  else if (poolName && !pool) lines.push(`There is no Pool ${q(poolName)}.`);
  const res = explainList(cfg, pool, job, jobDefs, lines);
  let destination: StorageSelection | undefined;
  if (eff && (eff.type === "Copy" || eff.type === "Migrate")) {
    const next = eff.nextPool ?? pool?.nextPool;
    if (next) {
      destination = explainStorageSelection(cfg, { pool: next });
      lines.push(`${eff.type === "Copy" ? "Copies" : "Migrated jobs"} are written to the Next Pool ${q(next)}${eff.nextPool ? " (set in the Job)" : ""}; there the storage is chosen from the Pool alone:`);
      lines.push(...destination.lines.map((l) => `  ${l}`));
    } else {
      lines.push(`This ${eff.type} job has no Next Pool (in the Job or its Pool), so it has nowhere to write.`);
    }
  }
  return { job: job?.name, pool: poolName, ...res, destination, lines, text: lines.join("\n") };
}
