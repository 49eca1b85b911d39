/**
 * A DATABASE_URL that names several PostgreSQL servers, as libpq allows:
 *
 *   postgresql://user:pw@site-a-db:5432,site-b-db:5432/app?target_session_attrs=read-write
 *
 * (the app's database streamed from site A to site B, like the catalog). node-postgres connects to
 * one host only; this finds the one that accepts writes (pg_is_in_recovery() is false) and keeps to
 * it until a connection there fails or finds it read-only, then looks again, in the order given.
 * So an instance at either site follows the app database's primary, and after the standby is
 * promoted (`npm run db:promote`, when site A is lost) it connects there by itself.
 */
import pg from "pg";
import { AppDatabaseUnavailableError } from "./errors";

export interface PgHost {
  host: string;
  port: number;
}

export interface PgTarget {
  hosts: PgHost[];
  /** The URL of one host (the others left out; target_session_attrs removed: node-postgres does not know it). */
  urlOf(h: PgHost): string;
  readWrite: boolean;
}

const URL_RE = /^(postgres(?:ql)?):\/\/(?:([^@/]*)@)?([^/?#]*)(\/[^?#]*)?(\?[^#]*)?$/i;

export function parsePgTarget(url: string): PgTarget {
  const m = URL_RE.exec(url.trim());
  if (!m) throw new Error("DATABASE_URL: not a postgresql:// URL");
  const [, scheme, auth, hostList, pathPart, query] = m;
  const hosts = hostList.split(",").map((h): PgHost => {
    const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(h);
    if (v6) return { host: v6[1], port: Number(v6[2] ?? 5432) };
    const [host, port] = h.split(":");
    return { host, port: Number(port ?? 5432) };
  });
  for (const h of hosts) if (!h.host || !Number.isInteger(h.port) || h.port < 1 || h.port > 65535) throw new Error(`DATABASE_URL: host "${h.host}:${h.port}" is not host:port`);
  const params = new URLSearchParams(query?.slice(1) ?? "");
  const tsa = params.get("target_session_attrs");
  params.delete("target_session_attrs");
  const rest = params.toString();
  return {
    hosts,
    readWrite: hosts.length > 1 || tsa === "read-write" || tsa === "primary",
    urlOf: (h) => `${scheme}://${auth ? `${auth}@` : ""}${h.host.includes(":") ? `[${h.host}]` : h.host}:${h.port}${pathPart ?? ""}${rest ? `?${rest}` : ""}`,
  };
}

async function isWritable(url: string, timeoutMs: number): Promise<boolean> {
  const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: timeoutMs });
  try {
    await c.connect();
    const r = await c.query<{ rec: boolean }>("SELECT pg_is_in_recovery() AS rec");
    return r.rows[0]?.rec === false;
  } catch {
    return false;
  } finally {
    await c.end().catch(() => undefined);
  }
}

/**
 * A node-postgres Client class for a pool over several hosts: each new connection goes to the host
 * last found writable (checked right after connecting), or, when there is none, to the one host of
 * the list that answers and is not in recovery; none, or more than one (split brain), is refused
 * with AppDatabaseUnavailableError and nothing is written.
 */
export function writableHostClient(target: PgTarget, timeoutMs = 5000): typeof pg.Client {
  let current: PgHost | null = null;
  const name = (h: PgHost) => `${h.host}:${h.port}`;
  // Every host is asked (in parallel): one that accepts writes is used only when it is the only one.
  const find = async (): Promise<PgHost> => {
    const writable = (await Promise.all(target.hosts.map(async (h) => ((await isWritable(target.urlOf(h), timeoutMs)) ? h : null)))).filter((h): h is PgHost => h !== null);
    if (writable.length === 1) return writable[0];
    if (writable.length === 0)
      throw new AppDatabaseUnavailableError("none_writable", `The app's database takes no writes: no server of ${target.hosts.map(name).join(", ")} accepts them (the primary's site is lost and no standby was promoted: npm run db:promote)`);
    throw new AppDatabaseUnavailableError("several_writable", `The app's database takes no writes: ${writable.map(name).join(" and ")} both accept writes (an old primary came back after a promotion); stop the old one and re-attach it as a standby before this instance writes again`);
  };
  class WritableHostClient extends pg.Client {}
  const baseConnect = pg.Client.prototype.connect as (this: pg.Client) => Promise<pg.Client>;
  async function connectWritable(this: pg.Client): Promise<pg.Client> {
    const cached = current !== null;
    const h = current ?? (current = await find());
    const self = this as unknown as { host: string; port: number; connectionParameters: { host: string; port: number } };
    self.host = h.host;
    self.port = h.port;
    self.connectionParameters.host = h.host;
    self.connectionParameters.port = h.port;
    try {
      await baseConnect.call(this);
      const r = await this.query<{ rec: boolean }>("SELECT pg_is_in_recovery() AS rec");
      if (r.rows[0]?.rec !== false) throw new Error(`${h.host}:${h.port} is in recovery (a standby): looking for the primary again`);
      return this;
    } catch (err) {
      current = null;
      await this.end().catch(() => undefined);
      // The host that took writes until now failed: look again at once, so that the answer says
      // what is wrong with the app's database (none or several writable) and the next connection
      // goes to the right server.
      if (cached) current = await find();
      throw err;
    }
  }
  // pg-pool calls connect(callback); a direct user awaits connect().
  Object.defineProperty(WritableHostClient.prototype, "connect", {
    value(this: pg.Client, callback?: (err: Error | null, c?: pg.Client) => void) {
      const p = connectWritable.call(this);
      if (!callback) return p;
      p.then((c) => callback(null, c), (err: Error) => callback(err));
      return undefined;
    },
  });
  return WritableHostClient as unknown as typeof pg.Client;
}
