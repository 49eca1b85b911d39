/**
 * Shared types of catalog replication monitoring (PostgreSQL streaming replication).
 * Inputs (endpoints, cluster specs, thresholds) have zod schemas for route handlers;
 * probe results and health are plain TS types produced by this library.
 */
import { z } from "zod";

// ---------------------------------------------------------------------------------------------
// Inputs
// ---------------------------------------------------------------------------------------------

export const pgEndpointSchema = z.object({
  host: z.string().min(1),
  port: z.number().int().min(1).max(65535).default(5432),
  user: z.string().min(1),
  password: z.string(),
  /** Any database the monitoring role may connect to (default "postgres"). */
  database: z.string().min(1).optional(),
  /** TLS: false/undefined = plain; true or node tls options (passed to node-postgres as `ssl`). */
  ssl: z.union([z.boolean(), z.record(z.string(), z.unknown())]).optional(),
});
export type PgEndpoint = z.infer<typeof pgEndpointSchema>;

export const memberRoleSchema = z.enum(["primary", "standby"]);
export type MemberRole = z.infer<typeof memberRoleSchema>;

export const memberSpecSchema = z.object({
  id: z.string().min(1),
  name: z.string().optional(),
  endpoint: pgEndpointSchema,
  /** The role the operator configured; a difference is reported (role_changed), not an error. */
  expectedRole: memberRoleSchema.optional(),
  /** application_name in the standby's primary_conninfo, if the operator set one. */
  applicationName: z.string().optional(),
  /** primary_slot_name of the standby, if known. */
  slotName: z.string().optional(),
  /** A former primary demoted by a promotion (it must not be writable; re-attach it). */
  fenced: z.boolean().optional(),
  /** fenced: stopped and marked to come back as a standby; not_fenced: nothing stops it coming back writable. */
  fenceState: z.enum(["none", "fenced", "not_fenced"]).optional(),
});
export type MemberSpec = z.infer<typeof memberSpecSchema>;

export const thresholdsSchema = z.object({
  /** Replay byte lag above which a standby is "lagging" (Patroni's default failover limit is 1 MiB). */
  maxLagBytes: z.number().nonnegative().default(1024 * 1024),
  /** replay_lag (seconds) above which a standby is "lagging". */
  maxLagSeconds: z.number().nonnegative().default(30),
});
export type Thresholds = z.infer<typeof thresholdsSchema>;
export const DEFAULT_THRESHOLDS: Thresholds = { maxLagBytes: 1024 * 1024, maxLagSeconds: 30 };

export const clusterSpecSchema = z.object({
  id: z.string().min(1),
  name: z.string().optional(),
  members: z.array(memberSpecSchema).min(1),
  thresholds: thresholdsSchema.partial().optional(),
});
export type ClusterSpec = z.infer<typeof clusterSpecSchema>;

// ---------------------------------------------------------------------------------------------
// Probe results
// ---------------------------------------------------------------------------------------------

/** One row of pg_stat_replication, seen on the primary. */
export interface ReplicationRow {
  pid: number;
  usename: string | null;
  applicationName: string | null;
  clientAddr: string | null;
  clientPort: number | null;
  backendStart: string | null;
  /** startup | catchup | streaming | backup | stopping; NULL without pg_monitor. */
  state: string | null;
  /** async | potential | sync | quorum */
  syncState: string | null;
  syncPriority: number | null;
  sentLsn: string | null;
  writeLsn: string | null;
  flushLsn: string | null;
  replayLsn: string | null;
  /** Intervals in seconds; NULL about 10 s after catch-up with an idle primary (means idle). */
  writeLagSeconds: number | null;
  flushLagSeconds: number | null;
  replayLagSeconds: number | null;
  replyTime: string | null;
  /** pg_wal_lsn_diff(pg_current_wal_lsn(), X) in bytes. */
  sentLagBytes: number | null;
  writeLagBytes: number | null;
  flushLagBytes: number | null;
  replayLagBytes: number | null;
}

/** One row of pg_replication_slots, seen on the primary. */
export interface SlotRow {
  slotName: string;
  slotType: string;
  temporary: boolean;
  active: boolean;
  activePid: number | null;
  restartLsn: string | null;
  /** reserved | extended | unreserved | lost */
  walStatus: string | null;
  safeWalSizeBytes: number | null;
  /** Bytes of WAL the slot holds back: pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn). */
  restartLagBytes: number | null;
}

/** pg_stat_wal_receiver on a standby (null when no receiver process runs). */
export interface WalReceiverInfo {
  pid: number | null;
  /** stopped | starting | streaming | waiting | restarting | stopping; NULL without pg_monitor. */
  status: string | null;
  receiveStartLsn: string | null;
  receiveStartTli: number | null;
  writtenLsn: string | null;
  flushedLsn: string | null;
  receivedTli: number | null;
  lastMsgSendTime: string | null;
  lastMsgReceiptTime: string | null;
  latestEndLsn: string | null;
  latestEndTime: string | null;
  slotName: string | null;
  senderHost: string | null;
  senderPort: number | null;
  /**
   * The application_name the standby presents to its upstream: application_name from the
   * receiver's conninfo, else its fallback_application_name (cluster_name or 'walreceiver').
   */
  applicationName: string | null;
}

interface ProbeBase {
  /** ISO time the probe started (client clock). */
  probedAt: string;
  durationMs: number;
  host: string;
  port: number;
}

interface ReachableBase extends ProbeBase {
  serverVersion: string;
  systemIdentifier: string | null;
  serverTime: string;
  /** Timeline of the last checkpoint/restartpoint (pg_control_checkpoint()). */
  checkpointTimeline: number | null;
  /** Non-fatal findings, e.g. missing pg_monitor membership. */
  warnings: string[];
}

export interface PrimaryProbe extends ReachableBase {
  kind: "primary";
  inRecovery: false;
  currentLsn: string;
  /** Current insert timeline (from the WAL file name of pg_current_wal_lsn()). */
  timeline: number;
  replication: ReplicationRow[];
  slots: SlotRow[];
}

export interface StandbyProbe extends ReachableBase {
  kind: "standby";
  inRecovery: true;
  receiveLsn: string | null;
  replayLsn: string | null;
  /** pg_wal_lsn_diff(receive, replay): WAL received but not yet replayed. */
  receiveReplayGapBytes: number | null;
  replayPaused: boolean;
  /** pg_get_wal_replay_pause_state(): not paused | pause requested | paused */
  replayPauseState: string;
  /** NULL until the first transaction replayed; grows on an idle primary. */
  lastXactReplayTime: string | null;
  /** Timeline the standby follows: wal receiver received_tli, else the checkpoint timeline. */
  timeline: number | null;
  walReceiver: WalReceiverInfo | null;
}

export interface UnreachableProbe extends ProbeBase {
  kind: "unreachable";
  error: string;
  code?: string;
}

export interface AuthFailedProbe extends ProbeBase {
  kind: "auth_failed";
  error: string;
  code?: string;
}

/** Reached and authenticated, but the probe failed (missing database, privilege, ...). */
export interface ErrorProbe extends ProbeBase {
  kind: "error";
  error: string;
  code?: string;
}

export type ProbeResult = PrimaryProbe | StandbyProbe | UnreachableProbe | AuthFailedProbe | ErrorProbe;

/** A probe result with the member it belongs to: the input of assessCluster. */
export interface MemberProbe {
  memberId: string;
  name?: string;
  expectedRole?: MemberRole;
  applicationName?: string;
  slotName?: string;
  fenced?: boolean;
  fenceState?: "none" | "fenced" | "not_fenced";
  result: ProbeResult;
}

// ---------------------------------------------------------------------------------------------
// Health
// ---------------------------------------------------------------------------------------------

export type HealthStatus = "ok" | "warn" | "critical";
export type ReasonSeverity = "info" | HealthStatus;

export type ReasonCode =
  | "streaming"
  | "caught_up"
  | "idle"
  | "lagging_bytes"
  | "lagging_time"
  | "replay_paused"
  | "catching_up"
  | "standby_disconnected"
  | "slot_inactive"
  | "slot_missing"
  | "wal_receiver_not_streaming"
  | "unreachable"
  | "auth_failed"
  | "probe_error"
  | "split_brain"
  | "timeline_mismatch"
  | "system_id_mismatch"
  | "no_primary"
  | "primary_unreachable"
  | "role_changed"
  | "slot_wal_lost"
  | "slot_wal_unreserved"
  | "orphan_slot"
  | "insufficient_privilege"
  | "monitor_path_only"
  | "stale_primary"
  | "fenced"
  | "not_fenced";

export interface HealthReason {
  code: ReasonCode;
  severity: ReasonSeverity;
  message: string;
  memberId?: string;
}

/** How a standby was matched to its pg_stat_replication row on the primary. */
export type MatchRule = "slot" | "application_name" | "application_name+client_addr" | "sole_row";

export interface StandbyReplicationView {
  matchedBy: MatchRule | null;
  /** The primary's pg_stat_replication row for this standby (null: none found). */
  row: ReplicationRow | null;
  slotName: string | null;
  slotActive: boolean | null;
  applicationName: string | null;
  state: string | null;
  syncState: string | null;
  sentBytes: number | null;
  writeBytes: number | null;
  flushBytes: number | null;
  /** Replay byte lag: from the row, else primary current LSN minus standby replay LSN. */
  replayBytes: number | null;
  writeLagSeconds: number | null;
  flushLagSeconds: number | null;
  replayLagSeconds: number | null;
  receiveReplayGapBytes: number | null;
  replayPaused: boolean | null;
  /** replay_lag unchanged since the previous assessment while byte lag grew. */
  replayLagFrozen: boolean | null;
  /** Change of replayBytes since the previous assessment. */
  replayBytesDelta: number | null;
  upstream: { host: string | null; port: number | null } | null;
  lastMsgReceiptTime: string | null;
}

export interface MemberHealth {
  memberId: string;
  name?: string;
  role: MemberRole | "unknown";
  probeKind: ProbeResult["kind"];
  status: HealthStatus;
  reasons: HealthReason[];
  timeline: number | null;
  /** Set for standbys (also unreachable members last known or expected to be standbys). */
  replication: StandbyReplicationView | null;
}

export interface ClusterHealth {
  status: HealthStatus;
  /** Member id of the primary used as the reference (null: none reachable). */
  primaryId: string | null;
  /** Cluster-level reasons (split brain, no primary, ...). Member reasons are in members[]. */
  reasons: HealthReason[];
  members: MemberHealth[];
  /** Latest probedAt among the members (the function is pure: no clock). */
  assessedAt: string;
}
