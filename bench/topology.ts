import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { chromium } from "playwright-core";
import { adminCookie, fmt, percentile, startServer } from "./lib";
import { applyMigrations } from "../test/support/db";
import { openSqlite } from "../test/support/sqlite";

/**
 * Issue 7's target: time to interactive of the topology map for a large topology (5 sites,
 * 10 Directors, 40 Storage Daemons, 200 Pools; plus 120 Storages, 80 devices, 200 Jobs and five
 * catalog clusters) under 1.5 s, in headless Chromium against the production build.
 *
 * Time to interactive: from the start of the navigation to /topology until the picture is laid out
 * (data-ready), a Pool node is on screen, and a click on it has opened its action panel.
 * "cold" is the first visit after the server started (layout and drift not cached yet); the target
 * is measured on the following visits (fresh browser context each: nothing cached in the browser).
 *
 * TOPOLOGY_SCREENSHOTS=DIR also saves screenshots of the large picture (overview and zoomed in).
 */
export function largeTopologyDb(): { dir: string; file: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bhd-bench-topo-"));
  const file = path.join(dir, "app.db");
  const db = openSqlite(file);
  applyMigrations(db);
  const now = new Date().toISOString();
  db.exec("BEGIN");
  const SITES = 5;
  // Directors 1-5 are primaries (one per site), 6-10 their standbys on the next site.
  for (let d = 1; d <= 10; d++) {
    const primary = d <= 5;
    const site = primary ? d - 1 : d - 5; // standby of d-5 sits on the next site
    db.prepare(`INSERT INTO Director (id, name, address, passwordEnc, role, site, active, primaryId, updatedAt) VALUES (?, ?, ?, 'v1:a:b:c', ?, ?, ?, ?, ?)`)
      .run(d, `dir-${d}`, `dir${d}.example.net`, primary ? "primary" : "standby", `site-${site % SITES}`, primary ? 1 : 0, primary ? null : d - 5, now);
  }
  let deviceId = 0;
  for (let s = 1; s <= 40; s++) {
    db.prepare(`INSERT INTO StorageDaemon (id, name, address, passwordEnc, site, updatedAt) VALUES (?, ?, ?, 'v1:a:b:c', ?, ?)`).run(s, `sd-${s}`, `sd${s}.example.net`, `site-${(s - 1) % SITES}`, now);
    for (let k = 0; k < 2; k++) {
      deviceId++;
      db.prepare(`INSERT INTO Device (id, name, storageDaemonId, mediaType, archiveDevice, updatedAt) VALUES (?, ?, ?, ?, ?, ?)`).run(deviceId, `Dev${s}-${k}`, s, `File${deviceId}`, `/srv/bacula/${deviceId}`, now);
    }
  }
  // 120 Storages: 24 per primary Director, on the SDs of its own site and of the next one.
  const insStorage = db.prepare(`INSERT INTO Storage (id, name, directorId, storageDaemonId, deviceId, mediaType, updatedAt) VALUES (?, ?, ?, ?, ?, ?, ?)`);
  let storageId = 0;
  const storagesOf: Record<number, number[]> = {};
  for (let d = 1; d <= 5; d++) {
    storagesOf[d] = [];
    for (let k = 0; k < 24; k++) {
      const siteIdx = k < 16 ? d - 1 : d % SITES;
      const sd = siteIdx + 1 + SITES * (k % 8);
      const dev = (sd - 1) * 2 + 1 + (k % 2);
      storageId++;
      insStorage.run(storageId, `St-${d}-${k}`, d, sd, dev, `File${dev}`, now);
      storagesOf[d].push(storageId);
    }
  }
  const insPool = db.prepare(`INSERT INTO Pool (id, name, directorId, poolType, storagePolicy, nextPoolId, updatedAt) VALUES (?, ?, ?, 'Backup', ?, ?, ?)`);
  const insMember = db.prepare(`INSERT INTO StorageGroupMember (position, storageId, poolId, jobId) VALUES (?, ?, ?, ?)`);
  // 200 Pools, 40 per primary; pools 21-40 of a Director are the Next Pools of pools 1-20.
  let poolId = 0;
  for (let d = 1; d <= 5; d++) {
    const base = poolId;
    for (let k = 0; k < 40; k++) {
      poolId++;
      insPool.run(poolId, `Pool-${d}-${k}`, d, k % 2 ? "LeastUsed" : null, null, now);
      const n = k % 3 === 0 ? 3 : k % 3 === 1 ? 2 : 1;
      for (let p = 0; p < n; p++) insMember.run(p, storagesOf[d][(k * 3 + p) % 24], poolId, null);
    }
    for (let k = 0; k < 20; k++) db.prepare(`UPDATE Pool SET nextPoolId = ? WHERE id = ?`).run(base + 21 + k, base + 1 + k);
  }
  db.prepare(`INSERT INTO Catalog (id, name, directorId, dbName, updatedAt) VALUES (1, 'MyCatalog', 1, 'bacula', ?)`).run(now);
  const insJob = db.prepare(`INSERT INTO Job (id, name, directorId, type, poolId, runLines, runScripts, updatedAt) VALUES (?, ?, ?, ?, ?, '[]', '[]', ?)`);
  for (let i = 1; i <= 200; i++) insJob.run(i, `Job-${i}`, ((i - 1) % 5) + 1, i % 4 === 0 ? "Copy" : "Backup", i, now);
  for (let c = 1; c <= 5; c++) {
    db.prepare(`INSERT INTO CatalogCluster (id, name, updatedAt) VALUES (?, ?, ?)`).run(c, `catalog-${c}`, now);
    db.prepare(`INSERT INTO CatalogMember (name, clusterId, role, address, updatedAt) VALUES (?, ?, 'primary', ?, ?)`).run(`pg-${c}-a`, c, `pg${c}a.example.net`, now);
    db.prepare(`INSERT INTO CatalogMember (name, clusterId, role, address, slotName, updatedAt) VALUES (?, ?, 'standby', ?, ?, ?)`).run(`pg-${c}-b`, c, `pg${c}b.example.net`, `slot_${c}`, now);
  }
  db.exec("COMMIT");
  db.close();
  return { dir, file };
}

const CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"];

export async function benchTopology(): Promise<Record<string, unknown>> {
  const { dir, file } = largeTopologyDb();
  const env = {
    DATABASE_URL: `file:${file}`,
    APP_KEY_FILE: path.join(dir, "secret.key"),
    APP_SETUP_TOKEN_FILE: path.join(dir, "setup-token"),
    ADMIN_PASSWORD: "bench-password-123",
    DEMO_SEED: "0",
    REPLICATION_POLL: "0",
  };
  let server = await startServer(env);
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium", args: CHROMIUM_ARGS });
  try {
    let [name, value] = (await adminCookie(server.url, "bench-password-123")).split("=");
    let host = new URL(server.url).hostname;

    const visit = async (shots?: string) => {
      const context = await browser.newContext({ viewport: { width: 1600, height: 1000 } });
      await context.addCookies([{ name, value, domain: host, path: "/" }]);
      const page = await context.newPage();
      const t0 = performance.now();
      // The map's first answer: when it arrived and what the server spent on it.
      const api = page
        .waitForResponse((r) => new URL(r.url()).pathname === "/api/topology", { timeout: 30_000 })
        .then(async (r) => ({ atMs: Math.round(performance.now() - t0), timings: ((await r.json()) as { timings?: Record<string, unknown> }).timings ?? {} }));
      await page.goto(`${server.url}/topology`);
      await page.locator('[data-testid="topology"][data-ready="yes"]').waitFor({ timeout: 30_000 });
      const pool = page.locator('.react-flow__node[data-id^="pool:"]').first();
      await pool.waitFor({ state: "visible" });
      const ready = performance.now() - t0;
      await pool.click({ force: true });
      await page.getByTestId("node-panel").waitFor();
      const interactive = performance.now() - t0;
      const counts = await page.getByTestId("topology").evaluate((el) => ({
        nodes: Number(el.getAttribute("data-nodes")),
        edges: Number(el.getAttribute("data-edges")),
        drawnNodes: el.querySelectorAll(".react-flow__node").length,
        drawnEdges: el.querySelectorAll(".react-flow__edge").length,
      }));
      if (shots) {
        fs.mkdirSync(shots, { recursive: true });
        await page.screenshot({ path: path.join(shots, "topology-large-overview.png") });
        await page.getByLabel("Find a node").selectOption({ label: "Pool: Pool-1-0 (dir-1)" });
        await page.waitForTimeout(300);
        await page.screenshot({ path: path.join(shots, "topology-large-zoomed.png") });
      }
      const apiFirst = await api;
      await context.close();
      return { ready, interactive, counts, api: apiFirst };
    };

    const cold = await visit();
    const warm: number[] = [];
    const readies: number[] = [];
    let counts = cold.counts;
    for (let i = 0; i < 5; i++) {
      const v = await visit();
      warm.push(v.interactive);
      readies.push(v.ready);
      counts = v.counts;
    }
    if (process.env.TOPOLOGY_SCREENSHOTS) await visit(process.env.TOPOLOGY_SCREENSHOTS);
    warm.sort((a, b) => a - b);
    readies.sort((a, b) => a - b);
    const apiTimes: number[] = [];
    for (let i = 0; i < 10; i++) {
      const t = performance.now();
      const res = await fetch(`${server.url}/api/topology`, { headers: { cookie: `${name}=${value}` } });
      await res.arrayBuffer();
      apiTimes.push(performance.now() - t);
    }
    apiTimes.sort((a, b) => a - b);
    // A restart on the same database: the first visit finds the layout and the drift digests stored.
    await server.stop();
    server = await startServer(env);
    [name, value] = (await adminCookie(server.url, "bench-password-123")).split("=");
    host = new URL(server.url).hostname;
    const restarted = await visit();
    const result = {
      topology: "5 sites, 10 Directors, 40 SDs (80 devices), 120 Storages, 200 Pools, 200 Jobs (hidden: over the auto limit), 5 catalog clusters",
      counts,
      coldInteractiveMs: Math.round(cold.interactive),
      coldApi: cold.api,
      afterRestartInteractiveMs: Math.round(restarted.interactive),
      afterRestartApi: restarted.api,
      coldTargetMs: 3000,
      coldMeetsTarget: cold.interactive < 3000 && restarted.interactive < 3000,
      timeToInteractiveMedianMs: Math.round(percentile(warm, 50)),
      timeToInteractiveMaxMs: Math.round(warm[warm.length - 1]),
      laidOutMedianMs: Math.round(percentile(readies, 50)),
      apiMedianMs: Math.round(percentile(apiTimes, 50)),
      targetMs: 1500,
      meetsTarget: percentile(warm, 50) < 1500,
    };
    console.log(`\n== topology map (issue 7): ${result.topology}`);
    console.log(`  drawn: ${counts.drawnNodes} nodes (${counts.nodes} + site boxes), ${counts.drawnEdges} edges`);
    console.log(`  time to interactive: median ${fmt(result.timeToInteractiveMedianMs)} ms, max ${fmt(result.timeToInteractiveMaxMs)} ms (target < 1500 ms) ${result.meetsTarget ? "OK" : "MISSED"}`);
    console.log(`  laid out (data-ready + pool visible): median ${fmt(result.laidOutMedianMs)} ms; GET /api/topology median ${fmt(result.apiMedianMs)} ms`);
    console.log(`  first visit after the server start (a new database, nothing laid out yet): interactive in ${fmt(result.coldInteractiveMs)} ms (target < 3000 ms) ${cold.interactive < 3000 ? "OK" : "MISSED"}; its /api/topology answer arrived at ${cold.api.atMs} ms, server timings ${JSON.stringify(cold.api.timings)}`);
    console.log(`  first visit after a restart on the same database: interactive in ${fmt(result.afterRestartInteractiveMs)} ms (target < 3000 ms) ${restarted.interactive < 3000 ? "OK" : "MISSED"}; /api/topology at ${restarted.api.atMs} ms, server timings ${JSON.stringify(restarted.api.timings)}`);
    return result;
  } finally {
    await browser.close();
    await server.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  benchTopology().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
