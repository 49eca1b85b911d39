/**
 * PostgreSQL connections for promotion steps: each with a connect timeout, a server-side
 * statement_timeout and a client-side deadline that destroys the socket, so a hung member can
 * never hang a promotion step. withPg: one connection for one function; openPg: a connection an
 * operation keeps across steps (./session.ts).
 */
import pg from "pg";

export interface PgConn {
  host: string;
  port: number;
  user: string;
  password: string;
  database?: string;
}

export interface PgCallOptions {
  /** Connect budget (ms). Default 5000. */
  connectTimeoutMs?: number;
  /** Budget of the statements (ms, server-side and client-side). Default 15000. */
  statementTimeoutMs?: number;
}

type Row = Record<string, unknown>;
export type Query = (sql: string, params?: unknown[], opts?: { timeoutMs?: number }) => Promise<Row[]>;

/** A PostgreSQL error's SQLSTATE (e.g. 28P01 wrong password, 42501 insufficient privilege), if any. */
export function sqlState(err: unknown): string | null {
  const c = (err as { code?: unknown } | null)?.code;
  return typeof c === "string" && /^[0-9A-Z]{5}$/.test(c) ? c : null;
}

/**
 * One connection kept open for several statements (an operation's admin connection). Every query
 * has a server-side statement_timeout and a client-side deadline; a query past its deadline
 * destroys the socket (the session is then dead: alive() false) and throws.
 */
export interface PgSession {
  q: Query;
  alive(): boolean;
  close(): Promise<void>;
}

export async function openPg(conn: PgConn, opts: PgCallOptions = {}): Promise<PgSession> {
  const connectTimeoutMs = opts.connectTimeoutMs ?? 5000;
  const defaultStatementMs = opts.statementTimeoutMs ?? 15_000;
  const client = new pg.Client({
    host: conn.host,
    port: conn.port,
    user: conn.user,
    password: conn.password,
    database: conn.database ?? "postgres",
    connectionTimeoutMillis: connectTimeoutMs,
    statement_timeout: defaultStatementMs,
    application_name: "bacula-ha-failover",
  });
  let dead = false;
  client.on("error", () => {
    dead = true;
  });
  client.on("end", () => {
    dead = true;
  });
  const destroy = () => {
    dead = true;
    const stream = (client as unknown as { connection?: { stream?: { destroy?: () => void } } }).connection?.stream;
    client.end().catch(() => undefined);
    setTimeout(() => stream?.destroy?.(), 200).unref();
  };
  const connectDeadline = new Promise<never>((_, reject) => {
    const t = setTimeout(() => reject(new Error(`${conn.host}:${conn.port}: no answer within ${connectTimeoutMs + 1000} ms`)), connectTimeoutMs + 1000);
    t.unref();
  });
  const connecting = client.connect();
  connecting.catch(() => undefined);
  try {
    await Promise.race([connecting, connectDeadline]);
  } catch (err) {
    destroy();
    throw err;
  }
  let currentTimeout = defaultStatementMs;
  const q: Query = async (sql, params, o = {}) => {
    if (dead) throw new Error(`${conn.host}:${conn.port}: connection closed`);
    const ms = o.timeoutMs ?? defaultStatementMs;
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        destroy();
        reject(new Error(`${conn.host}:${conn.port}: no answer within ${ms + 1000} ms`));
      }, ms + 1000);
    });
    const work = (async () => {
      if (currentTimeout !== ms) {
        await client.query(`SET statement_timeout = ${Math.max(1, Math.floor(ms))}`);
        currentTimeout = ms;
      }
      return (await client.query(sql, params)).rows as Row[];
    })();
    work.catch(() => undefined);
    try {
      return await Promise.race([work, deadline]);
    } finally {
      if (timer) clearTimeout(timer);
    }
  };
  return {
    q,
    alive: () => !dead,
    async close() {
      if (!dead) destroy();
    },
  };
}

export async function withPg<T>(conn: PgConn, fn: (q: Query) => Promise<T>, opts: PgCallOptions = {}): Promise<T> {
  const s = await openPg(conn, opts);
  try {
    return await fn(s.q);
  } finally {
    await s.close();
  }
}

/** Quote a libpq conninfo value ('...' with \ and ' escaped). */
export function conninfoQuote(v: string): string {
  return `'${v.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;
}

/** Parse a libpq keyword/value conninfo string into ordered pairs. */
export function parseConninfo(s: string): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  let i = 0;
  const n = s.length;
  const ws = () => {
    while (i < n && /\s/.test(s[i])) i++;
  };
  for (;;) {
    ws();
    if (i >= n) break;
    let key = "";
    while (i < n && s[i] !== "=" && !/\s/.test(s[i])) key += s[i++];
    ws();
    if (s[i] !== "=") throw new Error(`conninfo: missing "=" after "${key}"`);
    i++;
    ws();
    let val = "";
    if (s[i] === "'") {
      i++;
      while (i < n && s[i] !== "'") {
        if (s[i] === "\\" && i + 1 < n) i++;
        val += s[i++];
      }
      if (s[i] !== "'") throw new Error("conninfo: unterminated quoted value");
      i++;
    } else {
      while (i < n && !/\s/.test(s[i])) {
        if (s[i] === "\\" && i + 1 < n) i++;
        val += s[i++];
      }
    }
    out.push([key, val]);
  }
  return out;
}

export function formatConninfo(pairs: Array<[string, string]>): string {
  return pairs.map(([k, v]) => `${k}=${conninfoQuote(v)}`).join(" ");
}

/** Quote a postgresql.conf string value ('...' with ' doubled and \ escaped). */
export function confQuote(v: string): string {
  return `'${v.replace(/\\/g, "\\\\").replace(/'/g, "''")}'`;
}

/** Value of `key = '...'` (last occurrence wins, as PostgreSQL reads it) from a postgresql.conf text. */
export function readConfString(text: string, key: string): string | null {
  let found: string | null = null;
  const re = new RegExp(`^\\s*${key}\\s*=?\\s*'((?:[^'\\\\]|''|\\\\.)*)'`, "i");
  for (const line of text.split("\n")) {
    const m = re.exec(line);
    if (m) found = m[1].replace(/''/g, "'").replace(/\\(.)/g, "$1");
  }
  return found;
}

/** Remove every `key = ...` line of the given keys. */
export function dropConfKeys(text: string, keys: string[]): string {
  const re = new RegExp(`^\\s*(${keys.join("|")})\\s*(=|\\s)`, "i");
  return text
    .split("\n")
    .filter((l) => !re.test(l))
    .join("\n");
}
