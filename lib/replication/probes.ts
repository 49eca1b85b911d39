/**
 * Probes of PostgreSQL replication members (node-postgres).
 *
 * probeMember opens its own connection with a connect timeout, a server-side statement_timeout,
 * a client-side query timeout and an overall deadline that destroys the socket: a stopped,
 * hanging (SIGSTOPed, firewalled) or overloaded member yields {kind:'unreachable'} within
 * `timeoutMs` (plus a few ms), never an exception and never a hang. The failover code uses it (a
 * fresh session per check). The poller keeps one long-lived session per member instead
 * (connection.ts), over the same SQL (queryMember).
 *
 * The monitoring role needs LOGIN and membership of pg_monitor (without it pg_stat_replication
 * and pg_stat_wal_receiver show NULL columns; the probe then adds a warning):
 *   CREATE ROLE bacula_monitor WITH LOGIN PASSWORD '...';
 *   GRANT pg_monitor TO bacula_monitor;
 * plus a `host all bacula_monitor <net> scram-sha-256` line in pg_hba.conf.
 */
import pg from "pg";
import { exampleAddressReason } from "./example-address";
import type {
  AuthFailedProbe,
  ErrorProbe,
  PgEndpoint,
  PrimaryProbe,
  ProbeResult,
  ReplicationRow,
  SlotRow,
  StandbyProbe,
  UnreachableProbe,
  WalReceiverInfo,
} from "./types";

export interface ProbeOptions {
  /** Overall deadline of the probe (connect + queries), ms. Default 3000. */
  timeoutMs?: number;
  /** Connect (TCP + auth) timeout, ms. Default timeoutMs. */
  connectTimeoutMs?: number;
  /** Server-side statement_timeout, ms. Default timeoutMs. */
  statementTimeoutMs?: number;
  /** application_name of the probe's session. Default "bacula-ha-monitor". */
  applicationName?: string;
}

export const DEFAULT_PROBE_TIMEOUT_MS = 3000;

// ---------------------------------------------------------------------------------------------
// SQL
// ---------------------------------------------------------------------------------------------

/** Role detection plus the scalar facts of both roles; functions that fail on the other role are guarded by CASE. */
export const SQL_MEMBER = `
SELECT pg_is_in_recovery() AS in_recovery,
       current_setting('server_version') AS server_version,
       (SELECT system_identifier::text FROM pg_control_system()) AS system_identifier,
       (SELECT timeline_id FROM pg_control_checkpoint()) AS checkpoint_timeline,
       now() AS server_time,
       CASE WHEN pg_is_in_recovery() THEN NULL ELSE pg_current_wal_lsn()::text END AS current_lsn,
       CASE WHEN pg_is_in_recovery() THEN NULL
            ELSE ('x' || substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8))::bit(32)::int END AS insert_timeline,
       CASE WHEN pg_is_in_recovery() THEN pg_last_wal_receive_lsn()::text END AS receive_lsn,
       CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn()::text END AS replay_lsn,
       CASE WHEN pg_is_in_recovery() THEN pg_is_wal_replay_paused() END AS replay_paused,
       CASE WHEN pg_is_in_recovery() THEN pg_get_wal_replay_pause_state() END AS pause_state,
       CASE WHEN pg_is_in_recovery() THEN pg_last_xact_replay_timestamp() END AS last_xact_replay_time,
       CASE WHEN pg_is_in_recovery()
            THEN pg_wal_lsn_diff(pg_last_wal_receive_lsn(), pg_last_wal_replay_lsn())::float8 END AS receive_replay_gap
`;

/** Every column of pg_stat_replication with intervals as seconds and byte lags against one current LSN. */
export const SQL_REPLICATION = `
WITH cur AS (SELECT pg_current_wal_lsn() AS lsn)
SELECT r.pid, r.usename::text AS usename, r.application_name, host(r.client_addr) AS client_addr, r.client_port,
       r.backend_start, r.state, r.sync_state, r.sync_priority,
       r.sent_lsn::text AS sent_lsn, r.write_lsn::text AS write_lsn,
       r.flush_lsn::text AS flush_lsn, r.replay_lsn::text AS replay_lsn,
       extract(epoch FROM r.write_lag)::float8 AS write_lag,
       extract(epoch FROM r.flush_lag)::float8 AS flush_lag,
       extract(epoch FROM r.replay_lag)::float8 AS replay_lag,
       r.reply_time,
       pg_wal_lsn_diff(cur.lsn, r.sent_lsn)::float8 AS sent_lag_bytes,
       pg_wal_lsn_diff(cur.lsn, r.write_lsn)::float8 AS write_lag_bytes,
       pg_wal_lsn_diff(cur.lsn, r.flush_lsn)::float8 AS flush_lag_bytes,
       pg_wal_lsn_diff(cur.lsn, r.replay_lsn)::float8 AS replay_lag_bytes,
       cur.lsn::text AS current_lsn
FROM pg_stat_replication r CROSS JOIN cur
ORDER BY r.pid
`;

export const SQL_SLOTS = `
SELECT s.slot_name::text AS slot_name, s.slot_type, s.temporary, s.active, s.active_pid,
       s.restart_lsn::text AS restart_lsn, s.wal_status, s.safe_wal_size::float8 AS safe_wal_size,
       pg_wal_lsn_diff(pg_current_wal_lsn(), s.restart_lsn)::float8 AS restart_lag_bytes
FROM pg_replication_slots s
ORDER BY s.slot_name
`;

export const SQL_WAL_RECEIVER = `
SELECT pid, status, receive_start_lsn::text AS receive_start_lsn, receive_start_tli,
       written_lsn::text AS written_lsn, flushed_lsn::text AS flushed_lsn, received_tli,
       last_msg_send_time, last_msg_receipt_time, latest_end_lsn::text AS latest_end_lsn, latest_end_time,
       slot_name::text AS slot_name, sender_host, sender_port, conninfo
FROM pg_stat_wal_receiver
`;

// ---------------------------------------------------------------------------------------------
// Row mapping
// ---------------------------------------------------------------------------------------------

type Row = Record<string, unknown>;

function str(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  if (v instanceof Date) return v.toISOString();
  return String(v);
}

function num(v: unknown): number | null {
  if (v === null || v === undefined || v === "") return null;
  const n = typeof v === "number" ? v : Number(v);
  return Number.isFinite(n) ? n : null;
}

function iso(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  if (v instanceof Date) return v.toISOString();
  const d = new Date(String(v));
  return Number.isNaN(d.getTime()) ? String(v) : d.toISOString();
}

export function mapReplicationRow(r: Row): ReplicationRow {
  return {
    pid: num(r.pid) ?? 0,
    usename: str(r.usename),
    applicationName: str(r.application_name),
    clientAddr: str(r.client_addr),
    clientPort: num(r.client_port),
    backendStart: iso(r.backend_start),
    state: str(r.state),
    syncState: str(r.sync_state),
    syncPriority: num(r.sync_priority),
    sentLsn: str(r.sent_lsn),
    writeLsn: str(r.write_lsn),
    flushLsn: str(r.flush_lsn),
    replayLsn: str(r.replay_lsn),
    writeLagSeconds: num(r.write_lag),
    flushLagSeconds: num(r.flush_lag),
    replayLagSeconds: num(r.replay_lag),
    replyTime: iso(r.reply_time),
    sentLagBytes: num(r.sent_lag_bytes),
    writeLagBytes: num(r.write_lag_bytes),
    flushLagBytes: num(r.flush_lag_bytes),
    replayLagBytes: num(r.replay_lag_bytes),
  };
}

export function mapSlotRow(r: Row): SlotRow {
  return {
    slotName: String(r.slot_name),
    slotType: String(r.slot_type),
    temporary: r.temporary === true,
    active: r.active === true,
    activePid: num(r.active_pid),
    restartLsn: str(r.restart_lsn),
    walStatus: str(r.wal_status),
    safeWalSizeBytes: num(r.safe_wal_size),
    restartLagBytes: num(r.restart_lag_bytes),
  };
}

/** application_name (else fallback_application_name) from a libpq conninfo string as shown by pg_stat_wal_receiver. */
export function applicationNameFromConninfo(conninfo: string | null): string | null {
  if (!conninfo) return null;
  const pick = (key: string): string | null => {
    const re = new RegExp(`(?:^|\\s)${key}\\s*=\\s*('(?:[^'\\\\]|\\\\.)*'|\\S+)`);
    const m = re.exec(conninfo);
    if (!m) return null;
    let v = m[1];
    if (v.startsWith("'")) v = v.slice(1, -1).replace(/\\(.)/g, "$1");
    return v;
  };
  return pick("application_name") ?? pick("fallback_application_name");
}

export function mapWalReceiver(r: Row): WalReceiverInfo {
  return {
    pid: num(r.pid),
    status: str(r.status),
    receiveStartLsn: str(r.receive_start_lsn),
    receiveStartTli: num(r.receive_start_tli),
    writtenLsn: str(r.written_lsn),
    flushedLsn: str(r.flushed_lsn),
    receivedTli: num(r.received_tli),
    lastMsgSendTime: iso(r.last_msg_send_time),
    lastMsgReceiptTime: iso(r.last_msg_receipt_time),
    latestEndLsn: str(r.latest_end_lsn),
    latestEndTime: iso(r.latest_end_time),
    slotName: str(r.slot_name),
    senderHost: str(r.sender_host),
    senderPort: num(r.sender_port),
    applicationName: applicationNameFromConninfo(str(r.conninfo)),
  };
}

// ---------------------------------------------------------------------------------------------
// Error classification
// ---------------------------------------------------------------------------------------------

const NETWORK_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ETIMEDOUT",
  "EPIPE",
  "ECONNABORTED",
]);
/** SQLSTATEs meaning "the server is there but not serving": starting up, shutting down, crash recovery. */
const UNAVAILABLE_SQLSTATES = new Set(["57P01", "57P02", "57P03", "08000", "08003", "08006", "08001", "08004"]);

export class ProbeTimeoutError extends Error {
  constructor(
    public readonly phase: "connect" | "query",
    public readonly ms: number,
  ) {
    super(`no answer within ${ms} ms (${phase === "connect" ? "while connecting" : "while querying"})`);
    this.name = "ProbeTimeoutError";
  }
}

type Classified =
  | { kind: "unreachable"; error: string; code?: string }
  | { kind: "auth_failed"; error: string; code?: string }
  | { kind: "error"; error: string; code?: string };

/** Maps any error of a probe to unreachable / auth_failed / error with a message for operators. */
export function classifyProbeError(err: unknown, endpoint: Pick<PgEndpoint, "host" | "port" | "user">): Classified {
  const e = err as { code?: unknown; message?: unknown } | null;
  const code = typeof e?.code === "string" ? e.code : undefined;
  const msg = typeof e?.message === "string" ? e.message : String(err);
  const where = `${endpoint.host}:${endpoint.port}`;
  if (err instanceof ProbeTimeoutError) {
    return { kind: "unreachable", error: `${where}: ${msg}`, code: "TIMEOUT" };
  }
  if (code === "28P01") {
    return {
      kind: "auth_failed",
      code,
      error: `password authentication failed for monitoring user "${endpoint.user}" on ${where} (SQLSTATE 28P01): check the monitoring password`,
    };
  }
  if (code === "28000") {
    return {
      kind: "auth_failed",
      code,
      error: `${where} refused monitoring user "${endpoint.user}" (SQLSTATE 28000: ${msg}): check pg_hba.conf and the role`,
    };
  }
  if (/SASL|SCRAM|client password must be a string|password authentication/i.test(msg)) {
    return { kind: "auth_failed", code, error: `authentication of "${endpoint.user}" on ${where} failed: ${msg}` };
  }
  if ((code && (NETWORK_CODES.has(code) || UNAVAILABLE_SQLSTATES.has(code))) || /Connection terminated|timeout|ECONNREFUSED|socket/i.test(msg)) {
    return { kind: "unreachable", code, error: `${where} unreachable: ${msg}` };
  }
  return { kind: "error", code, error: `probe of ${where} failed${code ? ` (${code})` : ""}: ${msg}` };
}

// ---------------------------------------------------------------------------------------------
// Queries on a connected client
// ---------------------------------------------------------------------------------------------

/** A connected client (node-postgres). A named query is parsed once per connection (a prepared statement). */
export interface Queryable {
  query(q: string | { name: string; text: string }): Promise<{ rows: Row[] }>;
}

/** With `prepared`, the statements get names: a long-lived connection parses each once. */
function q(text: string, name: string, prepared: boolean): string | { name: string; text: string } {
  return prepared ? { name, text } : text;
}

interface MemberFacts {
  base: Omit<PrimaryProbe, "kind" | "inRecovery" | "currentLsn" | "timeline" | "replication" | "slots"> & {
    host: string;
    port: number;
  };
  row: Row;
}

/** Primary-side queries: pg_stat_replication and pg_replication_slots. */
export async function queryPrimary(
  c: Queryable,
  facts: MemberFacts,
  prepared = false,
): Promise<PrimaryProbe> {
  const repl = await c.query(q(SQL_REPLICATION, "bhd_replication", prepared));
  const slots = await c.query(q(SQL_SLOTS, "bhd_slots", prepared));
  const replication = repl.rows.map(mapReplicationRow);
  const warnings = [...facts.base.warnings];
  if (replication.some((r) => r.state === null)) {
    warnings.push("pg_stat_replication shows NULL columns: the monitoring role needs pg_monitor (GRANT pg_monitor TO <role>)");
  }
  const currentLsn = str(repl.rows[0]?.current_lsn) ?? str(facts.row.current_lsn) ?? "0/0";
  return {
    ...facts.base,
    warnings,
    kind: "primary",
    inRecovery: false,
    currentLsn,
    timeline: num(facts.row.insert_timeline) ?? facts.base.checkpointTimeline ?? 0,
    replication,
    slots: slots.rows.map(mapSlotRow),
  };
}

/** Standby-side queries: pg_stat_wal_receiver. */
export async function queryStandby(c: Queryable, facts: MemberFacts, prepared = false): Promise<StandbyProbe> {
  const wr = await c.query(q(SQL_WAL_RECEIVER, "bhd_wal_receiver", prepared));
  const walReceiver = wr.rows[0] ? mapWalReceiver(wr.rows[0]) : null;
  const warnings = [...facts.base.warnings];
  if (walReceiver && walReceiver.status === null) {
    warnings.push("pg_stat_wal_receiver shows NULL columns: the monitoring role needs pg_monitor (GRANT pg_monitor TO <role>)");
  }
  const r = facts.row;
  return {
    ...facts.base,
    warnings,
    kind: "standby",
    inRecovery: true,
    receiveLsn: str(r.receive_lsn),
    replayLsn: str(r.replay_lsn),
    receiveReplayGapBytes: num(r.receive_replay_gap),
    replayPaused: r.replay_paused === true,
    replayPauseState: str(r.pause_state) ?? "not paused",
    lastXactReplayTime: iso(r.last_xact_replay_time),
    timeline: walReceiver?.receivedTli ?? facts.base.checkpointTimeline,
    walReceiver,
  };
}

/** Role detection and the facts of the role, on a connected client (one-shot or long-lived). */
export async function queryMember(
  c: Queryable,
  at: { probedAt: string; host: string; port: number },
  prepared = false,
): Promise<PrimaryProbe | StandbyProbe> {
  const res = await c.query(q(SQL_MEMBER, "bhd_member", prepared));
  const row = res.rows[0] as Row;
  const facts: MemberFacts = {
    row,
    base: {
      probedAt: at.probedAt,
      durationMs: 0,
      host: at.host,
      port: at.port,
      serverVersion: String(row.server_version),
      systemIdentifier: str(row.system_identifier),
      serverTime: iso(row.server_time) ?? at.probedAt,
      checkpointTimeline: num(row.checkpoint_timeline),
      warnings: [],
    },
  };
  return row.in_recovery === true ? queryStandby(c, facts, prepared) : queryPrimary(c, facts, prepared);
}

// ---------------------------------------------------------------------------------------------
// probeMember
// ---------------------------------------------------------------------------------------------

/** Closes a client's socket at once (a hung server never answers a polite end()). */
export function destroyClient(c: pg.Client): void {
  const conn = (c as unknown as { connection?: { stream?: { destroy?: () => void } } }).connection;
  try {
    conn?.stream?.destroy?.();
  } catch {
    /* already gone */
  }
  c.end().catch(() => undefined);
}

/** node-postgres settings of a monitoring session: connect timeout, server- and client-side statement limits. */
export function clientConfig(
  endpoint: PgEndpoint,
  o: { connectTimeoutMs: number; statementTimeoutMs: number; applicationName?: string },
): pg.ClientConfig {
  return {
    host: endpoint.host,
    port: endpoint.port ?? 5432,
    user: endpoint.user,
    password: endpoint.password,
    database: endpoint.database ?? "postgres",
    ssl: endpoint.ssl as pg.ClientConfig["ssl"],
    connectionTimeoutMillis: o.connectTimeoutMs,
    statement_timeout: o.statementTimeoutMs,
    query_timeout: o.statementTimeoutMs + 250,
    application_name: o.applicationName ?? "bacula-ha-monitor",
    keepAlive: true,
  };
}

/**
 * Connects to one member, detects its role and returns a discriminated union. Never throws.
 * Deadline: `timeoutMs` for the whole probe (connect + queries).
 */
export async function probeMember(endpoint: PgEndpoint, opts: ProbeOptions = {}): Promise<ProbeResult> {
  const timeoutMs = Math.max(1, opts.timeoutMs ?? DEFAULT_PROBE_TIMEOUT_MS);
  const connectTimeoutMs = Math.max(1, Math.min(opts.connectTimeoutMs ?? timeoutMs, timeoutMs));
  const statementTimeoutMs = Math.max(1, Math.min(opts.statementTimeoutMs ?? timeoutMs, timeoutMs));
  const started = Date.now();
  const probedAt = new Date(started).toISOString();
  const host = endpoint.host;
  const port = endpoint.port ?? 5432;
  const base = () => ({ probedAt, durationMs: Date.now() - started, host, port });
  const example = exampleAddressReason(host, port);
  if (example) return { kind: "unreachable", code: "EXAMPLE_ADDRESS", error: example, ...base() } satisfies UnreachableProbe;

  let client: pg.Client;
  try {
    client = new pg.Client(clientConfig(endpoint, { connectTimeoutMs, statementTimeoutMs, applicationName: opts.applicationName }));
  } catch (err) {
    return { ...classifyProbeError(err, { host, port, user: endpoint.user }), ...base() } as ErrorProbe;
  }
  // A server that goes away later emits 'error' on the client: never let it become uncaught.
  client.on("error", () => undefined);

  let phase: "connect" | "query" = "connect";
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new ProbeTimeoutError(phase, timeoutMs)), timeoutMs);
  });

  const work = (async (): Promise<PrimaryProbe | StandbyProbe> => {
    await client.connect();
    phase = "query";
    return queryMember(client, { probedAt, host, port });
  })();
  // If the deadline wins, the work promise may still reject later: swallow it.
  work.catch(() => undefined);

  try {
    const out = await Promise.race([work, deadline]);
    out.durationMs = Date.now() - started;
    endClientSoon(client);
    return out;
  } catch (err) {
    destroyClient(client);
    const c = classifyProbeError(err, { host, port, user: endpoint.user });
    return { ...c, ...base() } as UnreachableProbe | AuthFailedProbe | ErrorProbe;
  } finally {
    if (timer) clearTimeout(timer);
  }
}

export function endClientSoon(c: pg.Client): void {
  // end() politely; destroy the socket if that does not finish within 1 s.
  const ending = c.end();
  const t = setTimeout(() => destroyClient(c), 1000);
  t.unref();
  ending.then(
    () => clearTimeout(t),
    () => {
      clearTimeout(t);
      destroyClient(c);
    },
  );
}

/** probeMember, for a member expected to be a primary (the result still tells the real role). */
export const probePrimary = probeMember;
/** probeMember, for a member expected to be a standby (the result still tells the real role). */
export const probeStandby = probeMember;
