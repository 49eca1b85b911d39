/**
 * The builders' field paths as the builder pages label their inputs: `chain.hops.1.job.scheduleId`
 * is "Hop 2 schedule", `chain.start.job` is "Backup job", `pools.0.storageGroupPolicy` is "Storage
 * group policy". Every error of the preview and apply routes carries one of these as its `label`,
 * so no page shows a path. Pure and client-safe.
 */
import { fieldLabel, humanizeKey } from "@/lib/http/field-label";

/** The last words of a hop field (model keys and inventory keys alike). */
const HOP_JOB: Record<string, string> = {
  name: "job name",
  selectionType: "selection type",
  selectionPattern: "selection pattern",
  schedule: "schedule",
  scheduleId: "schedule",
  trigger: "runs",
  pool: "source pool",
  poolId: "source pool",
  nextPool: "target pool",
  nextPoolId: "target pool",
  client: "client",
  clientId: "client",
  fileset: "FileSet",
  fileSetId: "FileSet",
  messages: "Messages",
  messagesId: "Messages",
  priority: "priority",
  runLines: "Run lines",
  run: "Run lines",
};

const HOP_TARGET: Record<string, string> = {
  pool: "target pool",
  name: "target pool",
  nextPoolId: "target pool",
  nextPool: "target pool",
  storage: "new pool storage",
  storageIds: "new pool storage",
  labelFormat: "new pool label format",
  volumeRetention: "new pool volume retention",
};

const START: Record<string, string> = { job: "Backup job", pool: "Source pool" };
const DEFAULTS: Record<string, string> = { client: "Client of the new jobs", fileset: "FileSet of the new jobs", messages: "Messages of the new jobs" };

/** The storage group builder's inputs. */
const GROUP: Record<string, string> = {
  storage: "Storages",
  storageIds: "Storages",
  storageGroupPolicy: "Storage group policy",
  storagePolicy: "Storage group policy",
  storageGroupPolicyThreshold: "Policy threshold",
  storagePolicyThreshold: "Policy threshold",
  nextPool: "Next Pool",
  nextPoolId: "Next Pool",
};

/** Top-level fields: the builders' Director pickers and the standby replication page's inputs. */
const TOP: Record<string, string> = {
  directorId: "Director",
  standbyId: "Standby Director",
  chain: "Chain",
  standbyHost: "Standby host",
  standbyUser: "Standby SSH user",
  standbyPort: "Standby SSH port",
  sshKeyPath: "SSH private key path",
  knownHostsPath: "known_hosts path",
  remoteDir: "Directory on the standby",
  configDir: "Configuration directory on the primary",
  scriptPath: "Script path on the primary",
  jobName: "Admin Job name",
  method: "Copy method",
  schedule: "Schedule",
};

/**
 * The label of a builder field path. `inner` is the label the inventory gave the last field
 * (e.g. "Schedule"), used where this table has no word of its own.
 */
export function builderFieldLabel(path: string, inner?: string): string {
  const parts = path.split(/[.[\]]+/).filter(Boolean);
  if (parts[0] === "chain") parts.shift();
  const leaf = parts.filter((p) => !/^\d+$/.test(p)).at(-1) ?? "";
  const lower = (s: string | undefined) => (s ? s.charAt(0).toLowerCase() + s.slice(1) : s);
  if (parts[0] === "hops" && /^\d+$/.test(parts[1] ?? "")) {
    const hop = `Hop ${Number(parts[1]) + 1}`;
    const area = parts[2];
    if (area === "job") return `${hop} ${HOP_JOB[parts[3] ?? ""] ?? lower(inner) ?? humanizeKey(parts[3] ?? "job").toLowerCase()}`;
    if (area === "target") return `${hop} ${HOP_TARGET[parts[3] ?? ""] ?? (inner ? `target pool ${lower(inner)}` : `target ${humanizeKey(parts[3] ?? "pool").toLowerCase()}`)}`;
    if (area === "type") return `${hop} type`;
    return hop;
  }
  if (parts[0] === "start") return START[parts[1] ?? ""] ?? "Start";
  if (parts[0] === "defaults") return DEFAULTS[parts[1] ?? ""] ?? "Defaults of the new jobs";
  if ((parts[0] === "pools" || parts[0] === "jobs") && /^\d+$/.test(parts[1] ?? "")) {
    const kind = parts[0] === "pools" ? "Pool" : "Job";
    if (parts.length <= 3 && (leaf === "name" || leaf === parts[0])) return kind;
    return GROUP[parts[2] ?? ""] ?? inner ?? fieldLabel(parts.slice(2).join("."));
  }
  if (parts.length === 1 && TOP[leaf]) return TOP[leaf];
  return inner ?? fieldLabel(parts.join("."));
}
