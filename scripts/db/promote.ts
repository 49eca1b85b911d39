/**
 * `npm run db:promote -- --host HOST:PORT --confirm DATABASE`: promotes the standby of the app's own
 * database at this site, when the site of its primary (and its dashboard) is lost. The command an
 * operator runs at the standby site; the instance there (DATABASE_URL naming both sites' servers,
 * lib/db/pg-hosts.ts) connects to the promoted server by itself, and the catalog's own promotion is
 * then made from that instance as usual.
 *
 * Refuses, changing nothing, when: HOST:PORT is not one of DATABASE_URL's hosts; --confirm is not the
 * database's name; HOST:PORT is not a standby (not in recovery); any other host of DATABASE_URL still
 * answers and accepts writes (the primary is not lost: two primaries would take writes). Then
 * `pg_promote(true, 60)` on it (DATABASE_URL's role needs it: a superuser, or
 * `GRANT EXECUTE ON FUNCTION pg_catalog.pg_promote(boolean, integer)` in the app's database),
 * waits until it accepts writes and writes the audit event `app_database_promoted`.
 * Like the catalog's: the old primary must stay stopped (fenced) until it is re-attached as a
 * standby of the new one (pg_rewind, README "A dashboard per site").
 */
import pg from "pg";
import { parsePgTarget } from "../../lib/db/pg-hosts";

function fail(msg: string, code = 1): never {
  console.error(`db:promote: ${msg}`);
  process.exit(code);
}

const args = process.argv.slice(2);
const opt = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const url = process.env.DATABASE_URL ?? "";
if (!/^postgres(ql)?:\/\//i.test(url)) fail("DATABASE_URL must be the app's postgresql:// URL naming both sites' servers", 2);
const target = parsePgTarget(url);
const wanted = opt("--host");
const confirm = opt("--confirm");
if (!wanted) fail("usage: npm run db:promote -- --host HOST:PORT --confirm DATABASE", 2);
const host = target.hosts.find((h) => `${h.host}:${h.port}` === wanted);
if (!host) fail(`${wanted} is not one of DATABASE_URL's hosts (${target.hosts.map((h) => `${h.host}:${h.port}`).join(", ")})`, 2);
const database = decodeURIComponent(new URL(target.urlOf(host)).pathname.slice(1));
if (confirm !== database) fail(`type the database's name to confirm: --confirm ${database}`, 2);

async function state(u: string): Promise<"primary" | "standby" | "down"> {
  const c = new pg.Client({ connectionString: u, connectionTimeoutMillis: 3000 });
  try {
    await c.connect();
    const r = await c.query<{ rec: boolean }>("SELECT pg_is_in_recovery() AS rec");
    return r.rows[0].rec ? "standby" : "primary";
  } catch {
    return "down";
  } finally {
    await c.end().catch(() => undefined);
  }
}

const t0 = Date.now();
for (const h of target.hosts) {
  if (h === host) continue;
  if ((await state(target.urlOf(h))) === "primary") fail(`${h.host}:${h.port} answers and accepts writes: its site is not lost. Promoting ${wanted} would make two primaries; stop (fence) it first`);
}
const mine = await state(target.urlOf(host));
if (mine === "down") fail(`${wanted} does not answer`);
if (mine === "primary") fail(`${wanted} already accepts writes: nothing to promote`);
const c = new pg.Client({ connectionString: target.urlOf(host), connectionTimeoutMillis: 5000 });
await c.connect();
try {
  const r = await c.query<{ ok: boolean }>("SELECT pg_promote(true, 60) AS ok");
  if (!r.rows[0]?.ok) fail(`pg_promote on ${wanted} did not finish within 60 s`);
} catch (err) {
  fail(`pg_promote on ${wanted} failed: ${err instanceof Error ? err.message : String(err)} (a superuser, or GRANT EXECUTE ON FUNCTION pg_catalog.pg_promote(boolean, integer) in ${database})`);
} finally {
  await c.end().catch(() => undefined);
}
const ms = Date.now() - t0;
const { prisma } = await import("../../lib/db/client");
const { audit } = await import("../../lib/audit");
await audit({ actor: process.env.SUDO_USER || process.env.USER || "db:promote", action: "app_database_promoted", entityType: "app-database", entityName: wanted, after: { host: wanted, database, ms } });
await prisma.$disconnect();
console.log(`db:promote: ${wanted} is the app database's primary now (${ms} ms); keep the old primary stopped until it is re-attached`);
