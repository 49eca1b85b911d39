/**
 * Short-lived PostgreSQL connections for promotion steps: each with a connect timeout, a
 * server-side statement_timeout and a client-side deadline that destroys the socket, so a hung
 * member can never hang a promotion step.
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

export async function withPg<T>(conn: PgConn, fn: (q: (sql: string, params?: unknown[]) => Promise<Row[]>) => Promise<T>, opts: PgCallOptions = {}): Promise<T> {
  const connectTimeoutMs = opts.connectTimeoutMs ?? 5000;
  const statementTimeoutMs = opts.statementTimeoutMs ?? 15_000;
  const client = new pg.Client({
    host: conn.host,
    port: conn.port,
    user: conn.user,
    password: conn.password,
    database: conn.database ?? "postgres",
    connectionTimeoutMillis: connectTimeoutMs,
    statement_timeout: statementTimeoutMs,
    query_timeout: statementTimeoutMs + 500,
    application_name: "bacula-ha-failover",
  });
  client.on("error", () => undefined);
  let timer: NodeJS.Timeout | undefined;
  const budget = connectTimeoutMs + statementTimeoutMs + 2000;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${conn.host}:${conn.port}: no answer within ${budget} ms`)), budget);
  });
  const work = (async () => {
    await client.connect();
    return fn(async (sql, params) => (await client.query(sql, params)).rows as Row[]);
  })();
  work.catch(() => undefined);
  try {
    return await Promise.race([work, deadline]);
  } finally {
    if (timer) clearTimeout(timer);
    const stream = (client as unknown as { connection?: { stream?: { destroy?: () => void } } }).connection?.stream;
    client.end().catch(() => undefined);
    setTimeout(() => stream?.destroy?.(), 1000).unref();
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
