import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { adminCookie, fmt, load, peakRssMiB, percentile, startServer } from "./lib";
import { applyMigrations } from "../test/support/db";
import { openSqlite } from "../test/support/sqlite";

/**
 * Issue 2's target: with 2,000 storages, 1,000 pools and 10,000 jobs, the paged list endpoints and
 * the home summary answer at p95 under 50 ms on this 2-core machine; and the server's peak memory.
 */
export async function benchInventory(): Promise<Record<string, unknown>> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bhd-bench-"));
  const file = path.join(dir, "app.db");
  const db = openSqlite(file);
  applyMigrations(db);
  const now = new Date().toISOString();
  db.exec("BEGIN");
  const DIRECTORS = 10;
  for (let d = 1; d <= DIRECTORS; d++) {
    db.prepare(`INSERT INTO Director (id, name, address, passwordEnc, role, site, updatedAt) VALUES (?, ?, ?, 'v1:a:b:c', ?, ?, ?)`)
      .run(d, `dir-${d}`, `dir${d}.example.net`, d === 1 ? "primary" : "independent", `site-${d % 5}`, now);
  }
  for (let s = 1; s <= 40; s++) {
    db.prepare(`INSERT INTO StorageDaemon (id, name, address, passwordEnc, site, updatedAt) VALUES (?, ?, ?, 'v1:a:b:c', ?, ?)`).run(s, `sd-${s}`, `sd${s}.example.net`, `site-${s % 5}`, now);
    db.prepare(`INSERT INTO Device (id, name, storageDaemonId, mediaType, archiveDevice, updatedAt) VALUES (?, ?, ?, ?, ?, ?)`).run(s, `Dev${s}`, s, `File${s}`, `/srv/bacula/${s}`, now);
  }
  const insStorage = db.prepare(`INSERT INTO Storage (id, name, directorId, storageDaemonId, deviceId, mediaType, updatedAt) VALUES (?, ?, ?, ?, ?, ?, ?)`);
  for (let i = 1; i <= 2000; i++) {
    const sd = ((i - 1) % 40) + 1;
    insStorage.run(i, `Storage-${i}`, ((i - 1) % DIRECTORS) + 1, sd, sd, `File${sd}`, now);
  }
  const insPool = db.prepare(`INSERT INTO Pool (id, name, directorId, poolType, storagePolicy, updatedAt) VALUES (?, ?, ?, 'Backup', ?, ?)`);
  const insMember = db.prepare(`INSERT INTO StorageGroupMember (position, storageId, poolId, jobId) VALUES (?, ?, ?, ?)`);
  for (let i = 1; i <= 1000; i++) {
    const dir = ((i - 1) % DIRECTORS) + 1;
    insPool.run(i, `Pool-${i}`, dir, i % 2 ? "LeastUsed" : null, now);
    for (let k = 0; k < 3; k++) insMember.run(k, dir + DIRECTORS * ((i + k) % 200), i, null);
  }
  db.prepare(`INSERT INTO Catalog (id, name, directorId, dbName, updatedAt) VALUES (1, 'MyCatalog', 1, 'bacula', ?)`).run(now);
  const insJob = db.prepare(`INSERT INTO Job (id, name, directorId, type, poolId, runLines, runScripts, updatedAt) VALUES (?, ?, ?, ?, ?, '[]', '[]', ?)`);
  for (let i = 1; i <= 10000; i++) {
    const dir = ((i - 1) % DIRECTORS) + 1;
    insJob.run(i, `Job-${i}`, dir, i % 4 === 0 ? "Copy" : "Backup", dir + DIRECTORS * (i % 100), now);
  }
  db.exec("COMMIT");
  db.close();

  const server = await startServer({
    DATABASE_URL: `file:${file}`,
    APP_KEY_FILE: path.join(dir, "secret.key"),
    APP_SETUP_TOKEN_FILE: path.join(dir, "setup-token"),
    ADMIN_PASSWORD: "bench-password-123",
    DEMO_SEED: "0",
  });
  try {
    // Measured once the start-up warm-ups (topology, importer) are done: their CPU is not the lists'.
    for (const deadline = Date.now() + 60_000; !/importer warmed|import warm-up failed/.test(server.log()) && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 100));
    const headers = { cookie: await adminCookie(server.url, "bench-password-123") };
    const endpoints: Record<string, string> = {
      "storages page 1": "/api/storages?page=1&pageSize=25",
      "storages page 40 by name desc": "/api/storages?page=40&pageSize=25&sort=name&dir=desc",
      "pools page 20": "/api/pools?page=20&pageSize=25",
      "jobs page 1": "/api/jobs?page=1&pageSize=25",
      "jobs page 300": "/api/jobs?page=300&pageSize=25",
      "jobs search": "/api/jobs?q=Job-99&pageSize=25",
      "home summary": "/api/summary",
    };
    const out: Record<string, unknown> = {};
    for (const concurrency of [1, 4]) {
      const results: Record<string, { medianMs: number; p95Ms: number; requests: number }> = {};
      for (const [name, pathPart] of Object.entries(endpoints)) {
        await load(`${server.url}${pathPart}`, headers, 30, concurrency); // warm up
        const times = await load(`${server.url}${pathPart}`, headers, 300, concurrency);
        results[name] = { medianMs: Number(fmt(percentile(times, 50))), p95Ms: Number(fmt(percentile(times, 95))), requests: times.length };
      }
      console.log(`\nInventory API: 2,000 storages, 1,000 pools, 10,000 jobs; 300 requests per endpoint, ${concurrency} in flight`);
      console.log("endpoint".padEnd(34), "median ms".padStart(10), "p95 ms".padStart(8));
      for (const [name, r] of Object.entries(results)) console.log(name.padEnd(34), String(r.medianMs).padStart(10), String(r.p95Ms).padStart(8));
      const worst = Math.max(...Object.values(results).map((r) => r.p95Ms));
      console.log(`worst p95: ${worst} ms (target < 50 ms) ${worst < 50 ? "OK" : "MISSED"}`);
      out[`concurrency${concurrency}`] = { results, worstP95Ms: worst };
    }
    const peak = peakRssMiB(server.proc.pid!);
    console.log(`server peak RSS: ${fmt(peak)} MiB`);
    return { ...out, serverPeakRssMiB: Number(fmt(peak)) };
  } finally {
    await server.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
