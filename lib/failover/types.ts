/**
 * Shared types of guarded standby promotion (switchover / failover) and re-attach.
 * Server-side and client-side (no I/O here): the UI imports these types.
 */
import { z } from "zod";
import { strictId } from "@/lib/http/numbers";

export type PromotionMode = "switchover" | "failover";
export type OperationKind = "promote" | "reattach" | "director" | "fence" | "drill";
/** catalog: the PostgreSQL promotion only; site: catalog + Director switchover in one operation. */
export type PromotionScope = "catalog" | "site";
/** refused: a check inside the operation refused before anything was changed. */
export type OperationStatus = "running" | "succeeded" | "failed" | "rolled_back" | "refused";
export type StepStatus = "pending" | "running" | "ok" | "failed" | "skipped" | "rolled_back";

/**
 * blocker: refused, cannot be forced; forceable: refused unless an admin forces with a reason;
 * unfenced: the old primary cannot be fenced — a failover is refused unless an admin confirms
 * "promote without fencing" with a typed reason.
 */
export type CheckSeverity = "blocker" | "forceable" | "unfenced" | "warning" | "info";

export interface PreflightCheck {
  code: string;
  ok: boolean;
  severity: CheckSeverity;
  message: string;
  /** For a failed check: the fix, in words (which GRANT in which database, which user, which file). */
  fix?: string;
}

/** Where the requirements of promotion on each host are explained (README section, served by the app). */
export const PROMOTION_REQUIREMENTS_URL = "/failover/requirements";

export interface PlanStep {
  name: string;
  description: string;
}

export interface PreflightMember {
  id: number;
  name: string;
  address: string;
  port: number;
  /** Probe result kind: primary | standby | unreachable | auth_failed | error | not_configured. */
  probe: string;
  error?: string | null;
  timeline: number | null;
  currentLsn?: string | null;
  receiveLsn?: string | null;
  replayLsn?: string | null;
  replayPaused?: boolean | null;
  walReceiverStatus?: string | null;
}

export interface PreflightResult {
  clusterId: number;
  clusterName: string;
  checkedAt: string;
  target: PreflightMember | null;
  oldPrimary: PreflightMember | null;
  /** switchover: the old primary answers (it is fenced first); failover: it does not. null: undecidable. */
  mode: PromotionMode | null;
  lag: {
    bytes: number | null;
    thresholdBytes: number;
    /** live: primary's current LSN minus the target's replay LSN now; last_sample: the poller's last sample. */
    source: "live" | "last_sample" | "unknown";
    sampledAt: string | null;
  };
  checks: PreflightCheck[];
  /** No blocker and no failed forceable or unfenced check. */
  allowed: boolean;
  /** No blocker, but failed forceable checks: an admin may force with a typed reason. */
  forceable: boolean;
  /** How the old primary will be fenced, or why it cannot be (then a failover needs "promote without fencing"). */
  fence: { possible: boolean; host: string | null; user: string | null; reason: string | null; running: boolean | null };
  /** No blocker, but the old primary cannot be fenced: only "promote without fencing" with a typed reason goes on. */
  requiresUnfencedConfirmation: boolean;
  /** The page that says what promotion needs on each host. */
  docs: string;
  /** Failover: the operator must type the cluster name. */
  requiresClusterName: boolean;
  /** Failover: what may be lost, with the last known lag. */
  dataLossWarning: string | null;
  plan: PlanStep[];
  runningPromotionId: number | null;
}

export interface StepView {
  position: number;
  name: string;
  status: StepStatus;
  startedAt: string | null;
  finishedAt: string | null;
  log: string;
  detail: unknown;
}

export interface PromotionView {
  id: number;
  clusterId: number;
  kind: OperationKind;
  mode: string;
  status: OperationStatus;
  targetMemberId: number;
  targetName: string;
  oldPrimaryId: number | null;
  oldPrimaryName: string | null;
  actor: string;
  forced: boolean;
  forceReason: string | null;
  /** Failover confirmed without fencing the old primary, with the admin's typed reason. */
  unfenced: boolean;
  unfencedReason: string | null;
  lastKnownLagBytes: number | null;
  error: string | null;
  startedAt: string;
  finishedAt: string | null;
  /** Facts gathered by the machine (timelines, LSNs, pg_promote time ...); no secrets. */
  facts: Record<string, unknown>;
  steps: StepView[];
}

export const promoteRequestSchema = z.object({
  targetMemberId: strictId(),
  mode: z.enum(["switchover", "failover"]),
  /** Failover: must equal the cluster's name. */
  confirmClusterName: z.string().max(200).optional(),
  /** Force past forceable refusals (lag over the threshold, lag unknown ...): a typed reason. */
  force: z.boolean().optional().default(false),
  forceReason: z.string().trim().max(500).optional(),
  /** Failover only: go on although the old primary cannot be fenced (its host does not answer over SSH ...). */
  promoteWithoutFencing: z.boolean().optional().default(false),
  /** The admin's typed reason for promoting without fencing (at least 10 characters). */
  unfencedReason: z.string().trim().max(500).optional(),
  dryRun: z.boolean().optional().default(false),
  /** catalog (default): PostgreSQL only; site: then switch the Directors to the standby site too. */
  scope: z.enum(["catalog", "site"]).optional().default("catalog"),
});
export type PromoteRequest = Omit<z.infer<typeof promoteRequestSchema>, "scope" | "promoteWithoutFencing"> & { scope?: PromotionScope; promoteWithoutFencing?: boolean };

export const fenceRequestSchema = z.object({
  memberId: z.number().int().positive(),
  /** Must equal the member's name: it is stopped and marked to come back only as a standby. */
  confirmMemberName: z.string().max(200),
});
export type FenceRequest = z.infer<typeof fenceRequestSchema>;

export const fencePolicySchema = z.object({
  /** Split-brain guard: fence at once a member found writable that the model says is fenced or not the primary. */
  autoFence: z.boolean(),
  /** Bound of a whole fence (SSH, pg_ctl stop -m fast, -m immediate, SIGKILL), 3 s to 2 min. */
  fenceTimeoutMs: z.number().int().min(3000).max(120_000),
});
export type FencePolicy = z.infer<typeof fencePolicySchema>;

export const reattachRequestSchema = z.object({
  memberId: strictId(),
  /** Must equal the member's name: pg_rewind discards whatever the old primary wrote after the fork. */
  confirmMemberName: z.string().max(200),
  dryRun: z.boolean().optional().default(false),
});
export type ReattachRequest = z.infer<typeof reattachRequestSchema>;

export const directorSwitchRequestSchema = z.object({
  /** Must equal the cluster's name: the active Director changes site. */
  confirmClusterName: z.string().max(200).optional(),
  dryRun: z.boolean().optional().default(false),
});
export type DirectorSwitchRequest = z.infer<typeof directorSwitchRequestSchema>;

export const switchBackRequestSchema = z.object({
  /** Must equal the cluster's name: the active Director (and maybe the catalog) changes site. */
  confirmClusterName: z.string().max(200).optional(),
}).strict();

export const FINAL_STATUSES: readonly OperationStatus[] = ["succeeded", "failed", "rolled_back", "refused"];
