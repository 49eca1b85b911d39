/**
 * A dashboard per site, with the app's own database replicated like the catalog: a real PostgreSQL
 * 15 primary (site A) streaming to a hot standby (site B), and one app instance per site, both with
 * DATABASE_URL naming both servers (`…@A,B/app?target_session_attrs=read-write`, lib/db/pg-hosts.ts).
 *
 * Site A is lost (its instance SIGKILLed, its PostgreSQL stopped): site B's instance has no writable
 * database (it never writes to the standby), `npm run db:promote` refuses while A still answers and
 * promotes B once it does not, and site B's instance then works again on its own, with everything
 * the two sites had written (users, sessions' data, the model), the promotion in the audit log.
 * While no server takes writes, every instance answers 503 naming the reason (one restarted then
 * starts all the same and finishes its start-up after the promotion); when site A's old primary
 * comes back unfenced, an instance that finds two servers taking writes writes to neither.
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { adminQuery, applyPgMigrations, pgUrl } from "../support/appPg";
import { ensureBuild, kill, loginAs, req, startInstance, stopAll, until, type Instance } from "../support/instances";
import { startPgPair, type PgPair } from "../support/pgPair";

const ADMIN_PASSWORD = "site-admin-password-1";
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bhd-sites-"));
let pair: PgPair;
let url = "";
const instances: Instance[] = [];
let siteA: Instance;
let siteB: Instance;

/** What every instance of this test runs with (both sites' servers in DATABASE_URL). */
function instanceEnv(): Record<string, string> {
  return { DATABASE_URL: url, APP_KEY_FILE: path.join(dir, "secret.key"), APP_SETUP_TOKEN_FILE: path.join(dir, "setup-token"), INSTANCE_LEASE_MS: "3000", REPLICATION_POLL_MS: "2000" };
}

function promote(host: string, confirm = "bhd_app"): { code: number; out: string } {
  try {
    const out = execFileSync(process.execPath, ["--import", "tsx", "scripts/db/promote.ts", "--host", host, "--confirm", confirm], {
      encoding: "utf8",
      stdio: "pipe",
      env: { ...process.env, DATABASE_URL: url, APP_KEY_FILE: path.join(dir, "secret.key") },
    });
    return { code: 0, out };
  } catch (e) {
    const err = e as { status: number; stdout: string; stderr: string };
    return { code: err.status, out: `${err.stdout}${err.stderr}` };
  }
}

beforeAll(async () => {
  ensureBuild();
  pair = await startPgPair();
  await adminQuery(pgUrl(pair, "postgres"), "CREATE DATABASE bhd_app");
  await applyPgMigrations(pgUrl(pair, "bhd_app"));
  await pair.waitForCatchUp();
  const u = new URL(pgUrl(pair, "bhd_app"));
  url = `postgresql://${u.username}:${u.password}@127.0.0.1:${pair.primary.port},127.0.0.1:${pair.standby.port}/bhd_app?target_session_attrs=read-write`;
  const env = { ...instanceEnv(), ADMIN_LOGIN: "admin", ADMIN_PASSWORD };
  siteA = await startInstance("site A", env, instances);
  siteB = await startInstance("site B", env, instances);
}, 300_000);

afterAll(async () => {
  await stopAll(instances);
  await pair?.stop();
});

describe("a dashboard per site, the app database streamed from site A to site B", () => {
  it("both sites' instances work on the primary; site A lost: B promotes the app database and goes on alone", async () => {
    // Both instances write to site A's server (site B's is a standby).
    const a = await loginAs(siteA, "admin", ADMIN_PASSWORD);
    expect(a.status, a.text).toBe(200);
    const host = await req(siteA, "POST", "/api/hosts", { cookie: a.cookie!, body: { name: "written-at-site-a", address: "192.0.2.10" } });
    expect(host.status, host.text).toBeLessThan(300);
    const b = await loginAs(siteB, "admin", ADMIN_PASSWORD);
    expect(b.status, b.text).toBe(200);
    expect((await req(siteB, "GET", "/api/hosts", { cookie: b.cookie! })).text).toContain("written-at-site-a");
    await pair.waitForCatchUp();

    // While site A answers, promoting site B is refused (two primaries), nothing changed.
    const refused = promote(`127.0.0.1:${pair.standby.port}`);
    expect(refused.code, refused.out).not.toBe(0);
    expect(refused.out).toMatch(/answers and accepts writes/);
    expect(promote(`127.0.0.1:${pair.standby.port}`, "wrong").out).toMatch(/type the database's name/);
    expect((await pair.query<{ rec: boolean }>("standby", "SELECT pg_is_in_recovery() AS rec"))[0].rec).toBe(true);

    // Site A is lost: its dashboard and its PostgreSQL.
    await kill(siteA);
    await pair.stopPrimary();
    const lostAt = Date.now();
    // Site B's instance has no writable database: it does not write to the standby.
    const degraded = await loginAs(siteB, "admin", ADMIN_PASSWORD);
    expect(degraded.status, degraded.text).toBe(503);
    expect(degraded.text).toMatch(/takes no writes.*npm run db:promote/);
    // An instance that (re)starts at site B now starts all the same, answers the same, and
    // finishes its start-up once the database is promoted.
    const siteB2 = await startInstance("site B, restarted before the promotion", instanceEnv(), instances);
    const early = await loginAs(siteB2, "admin", ADMIN_PASSWORD);
    expect(early.status, early.text).toBe(503);
    expect(siteB2.log()).toMatch(/not usable at start/);

    const t0 = Date.now();
    const done = promote(`127.0.0.1:${pair.standby.port}`);
    expect(done.code, done.out).toBe(0);
    expect(done.out).toMatch(/is the app database's primary now/);
    // Site B's instance finds the promoted server by itself.
    const back = await until("site B's instance works again", async () => {
      const r = await loginAs(siteB, "admin", ADMIN_PASSWORD);
      return r.status === 200 ? r : null;
    }, 30_000, 200);
    console.log(`site A lost: app database promoted at site B in ${done.out.match(/\((\d+) ms\)/)?.[1]} ms; site B's dashboard back ${Date.now() - t0} ms after db:promote started (${Date.now() - lostAt} ms after the loss)`);
    await until("the instance restarted at site B works", async () => ((await loginAs(siteB2, "admin", ADMIN_PASSWORD)).status === 200 ? true : null), 30_000, 500);
    await until("its start-up finished", async () => /start-up finished/.test(siteB2.log()) || null, 15_000, 200);
    const hosts = await req(siteB, "GET", "/api/hosts", { cookie: back.cookie! });
    expect(hosts.text).toContain("written-at-site-a");
    const made = await req(siteB, "POST", "/api/hosts", { cookie: back.cookie!, body: { name: "written-at-site-b", address: "192.0.2.11" } });
    expect(made.status, made.text).toBeLessThan(300);
    const audit = await req(siteB, "GET", "/api/audit?action=app_database_promoted", { cookie: back.cookie! });
    expect(audit.text).toContain(`127.0.0.1:${pair.standby.port}`);

    // Site A's server comes back unfenced (writable) while B is the primary: the instance that
    // restarts at site A finds two servers taking writes and writes to neither; B goes on at B.
    await pair.startPrimary();
    expect((await pair.query<{ rec: boolean }>("primary", "SELECT pg_is_in_recovery() AS rec"))[0].rec).toBe(false);
    const siteA2 = await startInstance("site A, restarted", instanceEnv(), instances);
    const split = await loginAs(siteA2, "admin", ADMIN_PASSWORD);
    expect(split.status, split.text).toBe(503);
    expect(split.text).toMatch(/both accept writes/);
    const stillB = await req(siteB, "POST", "/api/hosts", { cookie: back.cookie!, body: { name: "written-at-site-b-2", address: "192.0.2.12" } });
    expect(stillB.status, stillB.text).toBeLessThan(300);
    const onA = new pg.Client({ connectionString: pgUrl(pair, "bhd_app") });
    await onA.connect();
    try {
      const rows = (await onA.query<{ name: string }>(`SELECT name FROM "Host" ORDER BY name`)).rows.map((r) => r.name);
      expect(rows).toEqual(["written-at-site-a"]);
    } finally {
      await onA.end();
    }
  }, 180_000);
});
