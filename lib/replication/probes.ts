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

/**
 * One statement, one round trip: role detection, the scalar facts of both roles, and the rows of the
 * role as JSON: the WAL senders (pg_stat_replication's columns) and the replication slots on a
 * primary, pg_stat_wal_receiver on a standby. Functions that fail on the other role are guarded by
 * CASE (a subquery in a branch not taken is not run). Byte lags are against one pg_current_wal_lsn(),
 * read once (cur).
 *
 * Cheaper than the views, measured here (a probe runs every poll on every member): the WAL senders
 * come from pg_stat_get_wal_senders() with each sender's own pg_stat_get_activity(pid) row (the
 * pg_stat_replication view builds a row for every backend of the server and joins), the slots from
 * pg_get_replication_slots() (the view also joins pg_database), and the control file is read only
 * where it is needed: the checkpoint's timeline on a standby (a primary's comes from its WAL insert
 * position), and the system identifier once per session (it cannot change under an open session).
 * The same NULL columns as the views for a role without pg_monitor (the functions check it).
 */
function sqlProbe(systemIdentifier: boolean): string {
  return `
WITH cur AS MATERIALIZED (
  SELECT pg_is_in_recovery() AS rec, CASE WHEN pg_is_in_recovery() THEN NULL ELSE pg_current_wal_lsn() END AS lsn
)
SELECT cur.rec AS in_recovery,
       current_setting('server_version') AS server_version,
       ${systemIdentifier ? "(SELECT system_identifier::text FROM pg_control_system())" : "NULL::text"} AS system_identifier,
       CASE WHEN cur.rec THEN (SELECT timeline_id FROM pg_control_checkpoint()) END AS checkpoint_timeline,
       now() AS server_time,
       cur.lsn::text AS current_lsn,
       CASE WHEN cur.rec THEN NULL ELSE ('x' || substr(pg_walfile_name(cur.lsn), 1, 8))::bit(32)::int END AS insert_timeline,
       CASE WHEN cur.rec THEN pg_last_wal_receive_lsn()::text END AS receive_lsn,
       CASE WHEN cur.rec THEN pg_last_wal_replay_lsn()::text END AS replay_lsn,
       CASE WHEN cur.rec THEN pg_is_wal_replay_paused() END AS replay_paused,
       CASE WHEN cur.rec THEN pg_get_wal_replay_pause_state() END AS pause_state,
       CASE WHEN cur.rec THEN pg_last_xact_replay_timestamp() END AS last_xact_replay_time,
       CASE WHEN cur.rec THEN pg_wal_lsn_diff(pg_last_wal_receive_lsn(), pg_last_wal_replay_lsn())::float8 END AS receive_replay_gap,
       CASE WHEN NOT cur.rec THEN (
         SELECT coalesce(json_agg(x ORDER BY x.pid), '[]'::json) FROM (
           SELECT w.pid, pg_get_userbyid(a.usesysid)::text AS usename, a.application_name, host(a.client_addr) AS client_addr,
                  a.client_port, a.backend_start, w.state, w.sync_state, w.sync_priority,
                  w.sent_lsn::text AS sent_lsn, w.write_lsn::text AS write_lsn,
                  w.flush_lsn::text AS flush_lsn, w.replay_lsn::text AS replay_lsn,
                  extract(epoch FROM w.write_lag)::float8 AS write_lag,
                  extract(epoch FROM w.flush_lag)::float8 AS flush_lag,
                  extract(epoch FROM w.replay_lag)::float8 AS replay_lag,
                  w.reply_time,
                  pg_wal_lsn_diff(cur.lsn, w.sent_lsn)::float8 AS sent_lag_bytes,
                  pg_wal_lsn_diff(cur.lsn, w.write_lsn)::float8 AS write_lag_bytes,
                  pg_wal_lsn_diff(cur.lsn, w.flush_lsn)::float8 AS flush_lag_bytes,
                  pg_wal_lsn_diff(cur.lsn, w.replay_lsn)::float8 AS replay_lag_bytes
           FROM pg_stat_get_wal_senders() w CROSS JOIN LATERAL pg_stat_get_activity(w.pid) a) x) END AS replication,
       CASE WHEN NOT cur.rec THEN (
         SELECT coalesce(json_agg(x ORDER BY x.slot_name), '[]'::json) FROM (
           SELECT s.slot_name::text AS slot_name, s.slot_type, s.temporary, s.active, s.active_pid,
                  s.restart_lsn::text AS restart_lsn, s.wal_status, s.safe_wal_size::float8 AS safe_wal_size,
                  pg_wal_lsn_diff(cur.lsn, s.restart_lsn)::float8 AS restart_lag_bytes
           FROM pg_get_replication_slots() s) x) END AS slots,
       CASE WHEN cur.rec THEN (
         SELECT row_to_json(x) FROM (
           SELECT pid, status, receive_start_lsn::text AS receive_start_lsn, receive_start_tli,
                  written_lsn::text AS written_lsn, flushed_lsn::text AS flushed_lsn, received_tli,
                  last_msg_send_time, last_msg_receipt_time, latest_end_lsn::text AS latest_end_lsn, latest_end_time,
                  slot_name::text AS slot_name, sender_host, sender_port, conninfo
           FROM pg_stat_wal_receiver LIMIT 1) x) END AS wal_receiver
FROM cur
`;
}

/** The probe statement (with the system identifier). */
export const SQL_PROBE = sqlProbe(true);
/** The same without reading the system identifier (known from an earlier probe on the session). */
export const SQL_PROBE_LEAN = sqlProbe(false);

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

type Base = Omit<PrimaryProbe, "kind" | "inRecovery" | "currentLsn" | "timeline" | "replication" | "slots">;

const rowsOf = (v: unknown): Row[] => (Array.isArray(v) ? v.filter((x): x is Row => typeof x === "object" && x !== null) : []);

/** The primary's facts from the probe's row. */
function primaryFrom(row: Row, base: Base): PrimaryProbe {
  const replication = rowsOf(row.replication).map(mapReplicationRow);
  const warnings = [...base.warnings];
  if (replication.some((r) => r.state === null)) {
    warnings.push("pg_stat_replication shows NULL columns: the monitoring role needs pg_monitor (GRANT pg_monitor TO <role>)");
  }
  return {
    ...base,
    warnings,
    kind: "primary",
    inRecovery: false,
    currentLsn: str(row.current_lsn) ?? "0/0",
    timeline: num(row.insert_timeline) ?? base.checkpointTimeline ?? 0,
    replication,
    slots: rowsOf(row.slots).map(mapSlotRow),
  };
}

/** The standby's facts from the probe's row. */
function standbyFrom(r: Row, base: Base): StandbyProbe {
  const wr = r.wal_receiver;
  const walReceiver = typeof wr === "object" && wr !== null ? mapWalReceiver(wr as Row) : null;
  const warnings = [...base.warnings];
  if (walReceiver && walReceiver.status === null) {
    warnings.push("pg_stat_wal_receiver shows NULL columns: the monitoring role needs pg_monitor (GRANT pg_monitor TO <role>)");
  }
  return {
    ...base,
    warnings,
    kind: "standby",
    inRecovery: true,
    receiveLsn: str(r.receive_lsn),
    replayLsn: str(r.replay_lsn),
    receiveReplayGapBytes: num(r.receive_replay_gap),
    replayPaused: r.replay_paused === true,
    replayPauseState: str(r.pause_state) ?? "not paused",
    lastXactReplayTime: iso(r.last_xact_replay_time),
    timeline: walReceiver?.receivedTli ?? base.checkpointTimeline,
    walReceiver,
  };
}

/**
 * Role detection and the facts of the role, on a connected client (one-shot or long-lived), in one
 * round trip. `session`: a long-lived session's statements are named (parsed and planned once per
 * session) and its system identifier, once known, is not read again.
 */
export async function queryMember(
  c: Queryable,
  at: { probedAt: string; host: string; port: number },
  session?: { systemIdentifier: string | null },
): Promise<PrimaryProbe | StandbyProbe> {
  const known = session?.systemIdentifier ?? null;
  const text = known === null ? SQL_PROBE : SQL_PROBE_LEAN;
  const res = await c.query(session ? { name: known === null ? "bhd_probe_v2" : "bhd_probe_lean_v2", text } : text);
  const row = res.rows[0] as Row;
  if (known !== null) row.system_identifier = known;
  else if (session) session.systemIdentifier = str(row.system_identifier);
  const base: Base = {
    probedAt: at.probedAt,
    durationMs: 0,
    host: at.host,
    port: at.port,
    serverVersion: String(row.server_version),
    systemIdentifier: str(row.system_identifier),
    serverTime: iso(row.server_time) ?? at.probedAt,
    checkpointTimeline: num(row.checkpoint_timeline),
    warnings: [],
  };
  return row.in_recovery === true ? standbyFrom(row, base) : primaryFrom(row, base);
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
