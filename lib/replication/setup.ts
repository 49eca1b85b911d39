/**
 * Setup assistant for PostgreSQL streaming replication of the Bacula catalog. Pure: from a few
 * validated values it writes what an operator runs by hand, for the PostgreSQL major version of the
 * hosts (12 to 17):
 *   - the monitoring role (member of pg_monitor) and the replication role, on the primary;
 *   - the pg_hba.conf lines (replication from the standby, monitoring from the dashboard);
 *   - the postgresql.conf settings (wal_level, wal_log_hints, max_wal_senders, ...);
 *   - the standby's `pg_basebackup -R -X stream -C -S <slot>` clone;
 *   - the checks to run afterwards on both sides.
 *
 * Nothing is executed here (remote execution over SSH is a later step). Every value is validated
 * against a strict pattern (no spaces, quotes, newlines or shell/SQL metacharacters) and quoted
 * again where it is written, so a value can never add a statement, a command or a config line.
 * Passwords never appear in the output: psql's \password prompts for them and sends only the
 * SCRAM verifier; pg_basebackup reads the replication password from ~/.pgpass or prompts.
 */
import { z } from "zod";
import { strictInt } from "@/lib/http/numbers";

export const SUPPORTED_PG_MAJORS = [12, 13, 14, 15, 16, 17] as const;

const IDENT_RE = /^[a-z_][a-z0-9_]{0,62}$/;
// Host names (RFC 1123 labels), IPv4, or IPv6 (hex and colons, optional zone-less brackets not allowed).
const HOSTNAME_RE = /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;
const IPV4_RE = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const IPV6_RE = /^[0-9A-Fa-f:]{2,39}$/;
const PATH_RE = /^\/[A-Za-z0-9._/-]{0,4095}$/;

const identifier = (what: string) =>
  z
    .string()
    .trim()
    .regex(IDENT_RE, `${what}: lower-case letters, digits and _, starting with a letter or _, at most 63 characters`);

export const hostSchema = z
  .string()
  .trim()
  .min(1, "required")
  .refine((h) => IPV4_RE.test(h) || (h.includes(":") && IPV6_RE.test(h)) || HOSTNAME_RE.test(h), "a host name, an IPv4 or an IPv6 address");

/** CIDR network for pg_hba.conf: a.b.c.d/n or ipv6/n. */
export const cidrSchema = z
  .string()
  .trim()
  .refine((c) => {
    const [addr, bits, extra] = c.split("/");
    if (extra !== undefined || bits === undefined || !/^\d{1,3}$/.test(bits)) return false;
    const n = Number(bits);
    if (IPV4_RE.test(addr)) return n <= 32;
    return addr.includes(":") && IPV6_RE.test(addr) && n <= 128;
  }, "a network in CIDR form, e.g. 10.0.0.5/32 or fd00::/64");

const absPath = z
  .string()
  .trim()
  .regex(PATH_RE, "an absolute path of letters, digits and . _ - / only")
  .refine((p) => !p.split("/").includes(".."), "must not contain ..");

export const setupInputSchema = z.object({
  pgMajor: strictInt({ min: 0, max: 1000 })
    .refine((v) => (SUPPORTED_PG_MAJORS as readonly number[]).includes(v), `PostgreSQL ${SUPPORTED_PG_MAJORS[0]} to ${SUPPORTED_PG_MAJORS.at(-1)}`),
  primaryHost: hostSchema,
  primaryPort: strictInt({ min: 1, max: 65535 }).default(5432),
  standbyHost: hostSchema,
  standbyPort: strictInt({ min: 1, max: 65535 }).default(5432),
  /** Network the standby connects from (pg_hba replication line). Default: the standby's address /32 (/128). */
  standbyNetwork: cidrSchema.optional(),
  /** Network the dashboard's monitor connects from (pg_hba monitoring line). */
  monitorNetwork: cidrSchema,
  standbyDataDir: absPath,
  /** Directory of pg_basebackup/pg_ctl; default /usr/lib/postgresql/<major>/bin (Debian). */
  pgBinDir: absPath.optional(),
  database: identifier("Database").default("bacula"),
  monitorUser: identifier("Monitoring role").default("bacula_monitor"),
  replicationUser: identifier("Replication role").default("replicator"),
  slotName: identifier("Slot name"),
  maxWalSenders: strictInt({ min: 2, max: 1000 }).default(10),
  maxReplicationSlots: strictInt({ min: 1, max: 1000 }).default(10),
  /** WAL kept for a standby that falls behind without a slot (MB); 0 = rely on the slot. */
  walKeepMb: strictInt({ min: 0, max: 1_000_000 }).default(1024),
});
export type SetupInput = z.input<typeof setupInputSchema>;
export type SetupValues = z.output<typeof setupInputSchema>;

export type SetupTarget = "primary" | "standby" | "dashboard";

export interface SetupStep {
  id: "roles" | "pg_hba" | "postgresql_conf" | "restart" | "basebackup" | "checks_primary" | "checks_standby" | "checks_monitor";
  title: string;
  /** Where to run or put it. */
  target: SetupTarget;
  /** sql: run with psql as a superuser; conf: file content to add; shell: commands. */
  language: "sql" | "conf" | "shell";
  text: string;
  notes: string[];
}

export interface SetupPlan {
  pgMajor: number;
  values: SetupValues;
  steps: SetupStep[];
}

/** SQL identifier, always double-quoted (values are validated first; this is the second fence). */
export function quoteIdent(s: string): string {
  return `"${s.replace(/"/g, '""')}"`;
}

/** SQL string literal (standard_conforming_strings on). */
export function quoteLiteral(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

/** POSIX shell word: bare when it is made only of safe characters, otherwise single-quoted. */
export function shellQuote(s: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(s)) return s;
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

function hostNetwork(host: string): string | null {
  if (IPV4_RE.test(host)) return `${host}/32`;
  if (host.includes(":") && IPV6_RE.test(host)) return `${host}/128`;
  return null;
}

/** Parses a PostgreSQL server_version ("15.8 (Debian 15.8-0+deb12u1)") or bin dir into a major. */
export function pgMajorFrom(text: string | null | undefined): number | null {
  if (!text) return null;
  const v = /^(\d+)(?:\.\d+)?/.exec(text.trim());
  if (v) return Number(v[1]);
  const d = /postgresql\/(\d+)\/bin/.exec(text);
  return d ? Number(d[1]) : null;
}

/** Validates the input (throws a ZodError naming the fields) and builds the plan. */
export function generateReplicationSetup(input: SetupInput): SetupPlan {
  const v = setupInputSchema.parse(input);
  const major = v.pgMajor;
  const bin = v.pgBinDir ?? `/usr/lib/postgresql/${major}/bin`;
  const standbyNet = v.standbyNetwork ?? hostNetwork(v.standbyHost);
  const mon = quoteIdent(v.monitorUser);
  const rep = quoteIdent(v.replicationUser);
  const db = quoteIdent(v.database);
  const steps: SetupStep[] = [];

  // ---- roles ----
  const roleSql = [
    "-- On the primary, as a superuser (psql). The standby receives the roles by replication.",
    ...(major < 14 ? ["SET password_encryption = 'scram-sha-256';  -- the default only from PostgreSQL 14"] : []),
    "",
    "-- Monitoring role used by the dashboard: may read pg_stat_replication & co., nothing else.",
    `CREATE ROLE ${mon} WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION;`,
    `GRANT pg_monitor TO ${mon};`,
    `GRANT CONNECT ON DATABASE ${db} TO ${mon};`,
    `\\password ${mon}`,
    "",
    "-- Replication role used by the standby's WAL receiver and by pg_basebackup.",
    `CREATE ROLE ${rep} WITH LOGIN REPLICATION NOSUPERUSER NOCREATEDB NOCREATEROLE;`,
    `\\password ${rep}`,
  ].join("\n");
  steps.push({
    id: "roles",
    title: "Monitoring and replication roles",
    target: "primary",
    language: "sql",
    text: roleSql,
    notes: [
      "\\password prompts for the password and sends only its SCRAM verifier: the password is not written in any log or history.",
      `Store the monitoring password in the dashboard (Catalog members → Monitoring password) for user ${v.monitorUser}.`,
    ],
  });

  // ---- pg_hba ----
  const pad = (s: string, n: number) => (s.length >= n ? `${s} ` : s.padEnd(n));
  const hba: string[] = [
    "# Replication from the standby (and back, after a switchover)",
    standbyNet
      ? `${pad("host", 8)}${pad("replication", 16)}${pad(v.replicationUser, 16)}${pad(standbyNet, 24)}scram-sha-256`
      : `# standby ${v.standbyHost} is a host name: put its address in CIDR form below (or fill "Standby network")`,
    ...(standbyNet ? [] : [`${pad("host", 8)}${pad("replication", 16)}${pad(v.replicationUser, 16)}${pad("<standby-ip>/32", 24)}scram-sha-256`]),
    "# Monitoring from the dashboard",
    `${pad("host", 8)}${pad(v.database, 16)}${pad(v.monitorUser, 16)}${pad(v.monitorNetwork, 24)}scram-sha-256`,
  ];
  steps.push({
    id: "pg_hba",
    title: "pg_hba.conf on both servers",
    target: "primary",
    language: "conf",
    text: hba.join("\n"),
    notes: [
      "Put the same lines on the standby: after a promotion the roles swap.",
      "Lines are matched top-down: place these above any broader reject or md5 line. Reload: SELECT pg_reload_conf();",
    ],
  });

  // ---- postgresql.conf ----
  const conf: string[] = [
    "# Streaming replication of the Bacula catalog (restart needed for the first four)",
    "wal_level = replica",
    "wal_log_hints = on                 # lets pg_rewind re-attach an old primary",
    `max_wal_senders = ${v.maxWalSenders}`,
    `max_replication_slots = ${v.maxReplicationSlots}`,
    "hot_standby = on                   # read-only queries on the standby",
    "hot_standby_feedback = on",
    major >= 13 ? `wal_keep_size = ${v.walKeepMb}MB` : `wal_keep_segments = ${Math.ceil(v.walKeepMb / 16)}         # 16 MB each`,
    ...(major >= 13 ? ["max_slot_wal_keep_size = -1       # a slot may hold WAL without limit; set a size to protect the disk"] : []),
    "listen_addresses = '*'            # or the addresses the standby and the dashboard reach",
    "wal_receiver_status_interval = 1s # fresher replay positions on the primary",
  ];
  steps.push({
    id: "postgresql_conf",
    title: "postgresql.conf on both servers",
    target: "primary",
    language: "conf",
    text: conf.join("\n"),
    notes: [
      "Same settings on the standby so it can take over; pg_basebackup copies postgresql.auto.conf but not a postgresql.conf outside the data directory (Debian keeps it in /etc/postgresql).",
      ...(major >= 16 ? ["PostgreSQL 16 removed promote_trigger_file: promote with SELECT pg_promote(true, 60) or pg_ctl promote."] : []),
    ],
  });
  steps.push({
    id: "restart",
    title: "Restart the primary",
    target: "primary",
    language: "shell",
    text: `systemctl restart postgresql@${major}-main   # or: ${shellQuote(`${bin}/pg_ctl`)} -D <data directory> restart`,
    notes: ["wal_level, wal_log_hints, max_wal_senders and max_replication_slots take effect only after a restart."],
  });

  // ---- pg_basebackup ----
  const bb = [
    `# On the standby, as the postgres OS user, with its PostgreSQL ${major} server stopped and the data directory empty:`,
    `#   systemctl stop postgresql@${major}-main && mv ${shellQuote(v.standbyDataDir)} ${shellQuote(`${v.standbyDataDir}.old`)}`,
    `# Replication password from ~/.pgpass (chmod 600), line: ${v.primaryHost}:${v.primaryPort}:replication:${v.replicationUser}:<password>`,
    [
      shellQuote(`${bin}/pg_basebackup`),
      "-h",
      shellQuote(v.primaryHost),
      "-p",
      String(v.primaryPort),
      "-U",
      shellQuote(v.replicationUser),
      "-D",
      shellQuote(v.standbyDataDir),
      "-R -X stream -C -S",
      shellQuote(v.slotName),
      "--checkpoint=fast -P",
    ].join(" "),
    `systemctl start postgresql@${major}-main`,
  ];
  steps.push({
    id: "basebackup",
    title: "Clone the standby",
    target: "standby",
    language: "shell",
    text: bb.join("\n"),
    notes: [
      `-C -S ${v.slotName} creates the physical slot on the primary, so it keeps the WAL the standby still needs.`,
      "-R writes standby.signal and primary_conninfo (in postgresql.auto.conf).",
      `Enter ${v.slotName} as the member's replication slot in the dashboard.`,
    ],
  });

  // ---- checks ----
  steps.push({
    id: "checks_primary",
    title: "Checks on the primary",
    target: "primary",
    language: "sql",
    text: [
      "SHOW wal_level;        -- replica",
      "SHOW wal_log_hints;    -- on",
      "SELECT application_name, client_addr, state, sync_state,",
      "       pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn) AS replay_lag_bytes, replay_lag",
      "  FROM pg_stat_replication;                 -- one row, state = streaming",
      `SELECT slot_name, active, wal_status FROM pg_replication_slots WHERE slot_name = ${quoteLiteral(v.slotName)};  -- active = t`,
    ].join("\n"),
    notes: [],
  });
  steps.push({
    id: "checks_standby",
    title: "Checks on the standby",
    target: "standby",
    language: "sql",
    text: [
      "SELECT pg_is_in_recovery();                     -- t",
      "SELECT status, sender_host, sender_port, slot_name FROM pg_stat_wal_receiver;  -- streaming",
      "SELECT pg_last_wal_receive_lsn(), pg_last_wal_replay_lsn(), pg_is_wal_replay_paused();",
    ].join("\n"),
    notes: [],
  });
  const conn = (host: string, port: number) =>
    `psql ${shellQuote(`host=${host} port=${port} dbname=${v.database} user=${v.monitorUser}`)} -c 'SELECT pg_is_in_recovery()'`;
  steps.push({
    id: "checks_monitor",
    title: "Monitoring login from the dashboard host",
    target: "dashboard",
    language: "shell",
    text: [conn(v.primaryHost, v.primaryPort), conn(v.standbyHost, v.standbyPort)].join("\n"),
    notes: ["f on the primary, t on the standby. The Replication page then shows the pair within one poll (5 s)."],
  });

  return { pgMajor: major, values: v, steps };
}
