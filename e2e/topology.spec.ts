/**
 * The topology map in the browser: every node and edge of the e2e server's model is drawn (counted
 * against the database itself, since other specs may have added records before this one), the
 * actions of a node, storage groups built by dragging a storage onto a pool (compared with what the
 * inventory form produces), the forms' validation errors on a refused gesture, and a catalog link
 * turning "paused" with the reason on a real PostgreSQL pair of this spec's own (independent of the
 * switchover that failover.spec.ts makes on "catalog-e2e").
 */
import path from "node:path";
import { expect, test, type Page } from "@playwright/test";
import pg from "pg";
import { startPgPair, type PgPair } from "../test/support/pgPair";
import { openSqlite, type SqliteDb } from "../test/support/sqlite";
import { ADMIN, logIn } from "./helpers";

const E2E_DIR = path.resolve(".testenv", `e2e-${process.env.E2E_PORT ?? 3210}`);
const DB_FILE = path.join(E2E_DIR, "app.db");
const BASE = `http://127.0.0.1:${process.env.E2E_PORT ?? 3210}`;

function db<T>(fn: (d: SqliteDb) => T): T {
  const d = openSqlite(DB_FILE);
  try {
    return fn(d);
  } finally {
    d.close();
  }
}

const count = (table: string) => db((d) => (d.prepare(`SELECT COUNT(*) AS n FROM "${table}"`).get() as { n: number }).n);
const idOf = (table: string, name: string) => db((d) => (d.prepare(`SELECT id FROM "${table}" WHERE name = ? ORDER BY id LIMIT 1`).get(name) as { id: number }).id);

async function openMap(page: Page) {
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Topology map" }).click();
  await expect(page.getByRole("heading", { name: "Topology map" })).toBeVisible();
  await expect(page.getByTestId("topology")).toHaveAttribute("data-ready", "yes");
}

const node = (page: Page, id: string) => page.locator(`.react-flow__node[data-id="${id}"]`);
const edge = (page: Page, id: string) => page.getByTestId(`rf__edge-${id}`);

test("the demo topology renders with every node and edge, live badges and the actions of a node", async ({ page }) => {
  await logIn(page, ADMIN.login, ADMIN.password);
  await openMap(page);
  const api = await (await page.request.get("/api/topology")).json();

  // Every node of the model, counted in the database (jobs are shown up to 60).
  const expected: Record<string, number> = {
    director: count("Director"),
    sd: count("StorageDaemon"),
    storage: count("Storage"),
    pool: count("Pool"),
    job: count("Job"),
    member: count("CatalogMember"),
  };
  expect(expected.job).toBeLessThanOrEqual(60);
  for (const [kind, n] of Object.entries(expected)) {
    await expect(page.locator(`.react-flow__node[data-id^="${kind}:"]`), kind).toHaveCount(n);
  }
  const siteCount = db((d) => {
    const sites = new Set<string>();
    for (const r of d.prepare(`SELECT site FROM Director UNION SELECT site FROM StorageDaemon`).all() as { site: string }[]) sites.add(r.site);
    return sites.size;
  });
  await expect(page.locator('.react-flow__node[data-id^="site-box:site:"]')).toHaveCount(siteCount);
  await expect(page.locator('.react-flow__node[data-id="site-box:lane:catalog"]')).toHaveCount(1);

  // Every edge: storage → SD for each storage, pool/job → storage for each group member, Next Pools,
  // jobs → pools, config replicated (standby Directors), streams to (catalog standbys).
  let expectedEdges = db((d) => {
    const n = (sql: string) => (d.prepare(sql).get() as { n: number }).n;
    return (
      n(`SELECT COUNT(*) AS n FROM Storage`) +
      n(`SELECT COUNT(*) AS n FROM StorageGroupMember WHERE poolId IS NOT NULL OR jobId IS NOT NULL`) +
      n(`SELECT COUNT(*) AS n FROM Pool WHERE nextPoolId IS NOT NULL`) +
      n(`SELECT COUNT(*) AS n FROM Job WHERE nextPoolId IS NOT NULL`) +
      n(`SELECT COUNT(*) AS n FROM Job WHERE poolId IS NOT NULL`) +
      n(`SELECT COUNT(*) AS n FROM Director WHERE primaryId IS NOT NULL`) +
      n(`SELECT COALESCE(SUM(c - 1), 0) AS n FROM (SELECT COUNT(*) AS c FROM CatalogMember GROUP BY clusterId HAVING SUM(role = 'primary') >= 1)`)
    );
  });
  // Clone edges come from `Run =` lines (parsed): counted from the API, each one drawn.
  const clones = (api.edges as { id: string; kind: string }[]).filter((e) => e.kind === "clone");
  for (const c of clones) await expect(edge(page, c.id)).toHaveCount(1);
  expectedEdges += clones.length;
  expect(api.edges).toHaveLength(expectedEdges);
  await expect(page.locator(".react-flow__edge")).toHaveCount(expectedEdges);
  await expect(page.getByTestId("topology")).toHaveAttribute("data-edges", String(expectedEdges));

  // Specific demo nodes and edges, with their labels.
  const dir = idOf("Director", "bacula-dir");
  const standby = idOf("Director", "bacula-dir-standby");
  const sdA = idOf("StorageDaemon", "sd-site-a");
  const nightly = idOf("Pool", "Nightly");
  const offsite = idOf("Pool", "Offsite");
  const [pgA, pgB] = [idOf("CatalogMember", "pg-site-a"), idOf("CatalogMember", "pg-site-b")];
  await expect(node(page, `director:${dir}`)).toHaveAttribute("aria-label", /^Director bacula-dir, active primary, deploy: /);
  await expect(node(page, `director:${dir}`).locator(".topo-card")).toHaveAttribute("data-active", "yes");
  await expect(node(page, `director:${standby}`).locator(".topo-card")).toHaveAttribute("data-active", "no");
  await expect(node(page, `director:${standby}`)).toHaveAttribute("aria-label", /standby of bacula-dir/);
  await expect(node(page, `sd:${sdA}`)).toHaveAttribute("aria-label", /Storage Daemon sd-site-a, 3 devices/);
  for (const daemon of [`director:${dir}`, `director:${standby}`, `sd:${sdA}`]) {
    await expect(node(page, daemon).locator(".topo-card")).toHaveAttribute("data-drift", /^(never_deployed|model_changed|in_sync|live_changed|unknown)$/);
  }
  await expect(node(page, `pool:${nightly}`)).toHaveAttribute("aria-label", /Pool Nightly, Backup · Next Pool Offsite, storage group LeastUsed · \d storages/);
  for (const sid of api.nodes.find((n: { id: string }) => n.id === `pool:${nightly}`).storageIds as number[]) {
    await expect(edge(page, `uses:pool:${nightly}->storage:${sid}`)).toHaveCount(1);
  }
  await expect(edge(page, `uses:storage:${idOf("Storage", "File4")}->sd:${sdA}`)).toHaveCount(1);
  await expect(edge(page, `next-pool:pool:${nightly}->pool:${offsite}`)).toHaveCount(1);
  await expect(edge(page, `job-pool:job:${idOf("Job", "CopyToOffsite")}->pool:${nightly}`)).toHaveCount(1);
  await expect(edge(page, `config-replicated:director:${dir}->director:${standby}`)).toHaveCount(1);
  await expect(edge(page, `streams-to:member:${pgA}->member:${pgB}`)).toHaveAttribute("data-kind", "streams-to");
  await expect(page.getByTestId("link-catalog-main-pg-site-b")).toBeVisible();
  await expect(page.getByTestId("link-catalog-e2e-pg-e2e-standby").or(page.getByTestId("link-catalog-e2e-pg-e2e-primary"))).toBeVisible();
  await page.screenshot({ path: "test-results/topology-demo.png" });

  // Keyboard: focus a node, Enter selects it and moves focus to its actions.
  await node(page, `director:${dir}`).focus();
  await page.keyboard.press("Enter");
  const panel = page.getByTestId("node-panel");
  await expect(panel).toHaveAttribute("data-node", `director:${dir}`);
  await expect(panel.getByRole("heading", { name: "bacula-dir" })).toBeFocused();
  await expect(panel.getByRole("link", { name: "Edit Director bacula-dir" })).toHaveAttribute("href", `/inventory/directors/${dir}`);
  await expect(panel.getByRole("link", { name: "Deploy bacula-dir" })).toHaveAttribute("href", `/deploy?target=director:${dir}`);
  await page.keyboard.press("Tab");
  await expect(panel.getByRole("link", { name: "Edit Director bacula-dir" })).toBeFocused();

  // A catalog standby offers the guarded promotion (admin); a pool the chain builder, prefilled.
  await page.getByLabel("Find a node").selectOption({ label: "Catalog member: pg-site-b" });
  const clusterMain = db((d) => (d.prepare(`SELECT id FROM CatalogCluster WHERE name = 'catalog-main'`).get() as { id: number }).id);
  await expect(panel.getByRole("link", { name: "Promote pg-site-b…" })).toHaveAttribute("href", `/failover/${clusterMain}`);
  await page.getByLabel("Find a node").selectOption({ label: "Pool: Nightly (bacula-dir)" });
  await panel.getByRole("link", { name: "Chain builder from Nightly" }).click();
  await expect(page.getByRole("heading", { name: "Copy / clone chain builder" })).toBeVisible();
  await expect(page.locator("#chain-start-pool")).toHaveValue("Nightly");
});

test("dragging storages onto a pool builds the same storage group as the inventory form; refused gestures name the field and rule", async ({ page }) => {
  await logIn(page, ADMIN.login, ADMIN.password);
  const dir = idOf("Director", "bacula-dir");
  const [file4, file5, file6] = ["File4", "File5", "File6"].map((n) => idOf("Storage", n));
  const create = async (name: string) => {
    const res = await page.request.post("/api/pools", { headers: { origin: BASE }, data: { name, directorId: dir, poolType: "Backup", storageIds: [file4] } });
    expect(res.status(), await res.text()).toBe(201);
    return (await res.json()).id as number;
  };
  const dragPool = await create("TopoDragPool");
  const formPool = await create("TopoFormPool");

  await openMap(page);
  const drag = async (from: string, to: string) => {
    const a = await node(page, from).boundingBox();
    const b = await node(page, to).boundingBox();
    if (!a || !b) throw new Error("node not on screen");
    await page.mouse.move(a.x + a.width / 2, a.y + a.height / 2);
    await page.mouse.down();
    await page.mouse.move(a.x + a.width / 2 + 10, a.y + a.height / 2 + 10, { steps: 3 });
    await page.mouse.move(b.x + b.width / 2, b.y + b.height / 2, { steps: 12 });
    await page.mouse.up();
  };
  await drag(`storage:${file5}`, `pool:${dragPool}`);
  await expect(page.getByText("Add Storage “File5” to the storage group of Pool “TopoDragPool”: saved.")).toBeVisible();
  await expect(edge(page, `uses:pool:${dragPool}->storage:${file5}`)).toHaveCount(1);
  await drag(`storage:${file6}`, `pool:${dragPool}`);
  await expect(page.getByText("Add Storage “File6” to the storage group of Pool “TopoDragPool”: saved.")).toBeVisible();
  // The picture follows: the pool's group edges in order, the group label on the pool.
  await expect(edge(page, `uses:pool:${dragPool}->storage:${file6}`)).toHaveCount(1);
  await expect(node(page, `pool:${dragPool}`)).toHaveAttribute("aria-label", /storage group ListedOrder · 3 storages/);

  // The same group through the inventory form.
  await page.goto(`/inventory/pools/${formPool}`);
  const storageToAdd = page.getByLabel("Storage to add");
  await storageToAdd.selectOption({ label: "File5 (File5)" });
  await page.getByRole("button", { name: "Add", exact: true }).click();
  await storageToAdd.selectOption({ label: "File6 (File6)" });
  await page.getByRole("button", { name: "Add", exact: true }).click();
  await page.getByRole("button", { name: "Save changes" }).click();
  await expect(page.getByText("Saved.")).toBeVisible();

  const viaDrag = await (await page.request.get(`/api/pools/${dragPool}`)).json();
  const viaForm = await (await page.request.get(`/api/pools/${formPool}`)).json();
  expect(viaDrag.storageIds).toEqual([file4, file5, file6]);
  expect(viaDrag.storageIds).toEqual(viaForm.storageIds);
  expect(viaDrag.storageNames).toEqual(viaForm.storageNames);
  expect(viaDrag.storagePolicy).toEqual(viaForm.storagePolicy);

  // A storage already in the group: refused by the same rule as the form's, naming field and rule.
  await openMap(page);
  await drag(`storage:${file4}`, `pool:${dragPool}`);
  const errors = page.getByTestId("gesture-errors");
  await expect(errors.locator('li[data-field="storageIds"]')).toContainText("lists a storage twice");
  await expect(page.getByRole("alert").filter({ hasText: "was refused" })).toContainText("Add Storage “File4” to the storage group of Pool “TopoDragPool” was refused (HTTP 400)");
  expect((await (await page.request.get(`/api/pools/${dragPool}`)).json()).storageIds).toEqual([file4, file5, file6]);

  // Copy hop from the keyboard (the same edit as connecting Pool → Pool): then a cycle is refused.
  await page.getByLabel("Find a node").selectOption({ label: "Pool: TopoDragPool (bacula-dir)" });
  await page.getByLabel("Copy hop: set the Next Pool to").selectOption({ label: "TopoFormPool" });
  await page.getByRole("button", { name: "Set Next Pool" }).click();
  await expect(page.getByText("Set Next Pool of “TopoDragPool” to “TopoFormPool”: saved.")).toBeVisible();
  await expect(edge(page, `next-pool:pool:${dragPool}->pool:${formPool}`)).toHaveCount(1);
  await page.getByLabel("Find a node").selectOption({ label: "Pool: TopoFormPool (bacula-dir)" });
  await page.getByLabel("Copy hop: set the Next Pool to").selectOption({ label: "TopoDragPool" });
  await page.getByRole("button", { name: "Set Next Pool" }).click();
  await expect(errors.locator('li[data-field="nextPoolId"][data-rule="cycle"]')).toContainText("makes a Next Pool cycle: TopoFormPool → TopoDragPool → TopoFormPool");
  expect((await (await page.request.get(`/api/pools/${formPool}`)).json()).nextPoolId).toBeNull();

  // Connecting Pool → Pool with the mouse (source handle to target handle) makes the copy hop.
  const offsite = idOf("Pool", "Offsite");
  await page.getByRole("button", { name: "Fit View" }).click();
  // Clicking Fit View may scroll the page so that the map's top is above the window (a taller page
  // when other specs added records): bring the source pool back into the window before dragging.
  await node(page, `pool:${formPool}`).scrollIntoViewIfNeeded();
  const from = await node(page, `pool:${formPool}`).locator(".react-flow__handle.source").boundingBox();
  const to = await node(page, `pool:${offsite}`).locator(".react-flow__handle.target").boundingBox();
  if (!from || !to) throw new Error("handles not on screen");
  await page.mouse.move(from.x + from.width / 2, from.y + from.height / 2);
  await page.mouse.down();
  await page.mouse.move(to.x + to.width / 2, to.y + to.height / 2, { steps: 15 });
  await page.mouse.up();
  await expect(page.getByText("Set Next Pool of “TopoFormPool” to “Offsite”: saved.")).toBeVisible();
  await expect(edge(page, `next-pool:pool:${formPool}->pool:${offsite}`)).toHaveCount(1);
  expect((await (await page.request.get(`/api/pools/${formPool}`)).json()).nextPoolId).toBe(offsite);
});

// ---- a lagging catalog link on a real pair ----------------------------------------------------

const CLUSTER = "topology-e2e";
let pair: PgPair | undefined;
let clusterId = 0;

test.afterAll(async () => {
  if (clusterId) {
    db((d) => {
      d.prepare(`DELETE FROM ReplicationSample WHERE clusterId = ?`).run(clusterId);
      d.prepare(`DELETE FROM CatalogMember WHERE clusterId = ?`).run(clusterId);
      d.prepare(`DELETE FROM CatalogCluster WHERE id = ?`).run(clusterId);
    });
  }
  await pair?.stop();
});

async function sql(node: "primary" | "standby", text: string) {
  const p = pair!;
  const c = new pg.Client({ host: p[node].host, port: p[node].port, user: p.superuser.user, password: p.superuser.password, database: p.database });
  await c.connect();
  try {
    return (await c.query(text)).rows;
  } finally {
    await c.end();
  }
}

test("a catalog link whose standby stops replaying turns paused on the map, and the page says why", async ({ page }) => {
  test.setTimeout(120_000);
  pair = await startPgPair();
  process.env.APP_KEY_FILE = path.join(E2E_DIR, "secret.key");
  const { encryptSecret } = await import("../lib/secrets");
  const now = new Date().toISOString().replace("Z", "+00:00");
  const ids = db((d) => {
    clusterId = Number(d.prepare(`INSERT INTO CatalogCluster (name, createdAt, updatedAt) VALUES (?, ?, ?)`).run(CLUSTER, now, now).lastInsertRowid);
    const add = d.prepare(
      `INSERT INTO CatalogMember (name, clusterId, role, address, port, dbName, monitorUser, monitorPasswordEnc, slotName, createdAt, updatedAt) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    const pw = encryptSecret(pair!.monitor.password);
    const p = Number(add.run("pg-topo-primary", clusterId, "primary", pair!.primary.host, pair!.primary.port, pair!.database, pair!.monitor.user, pw, null, now, now).lastInsertRowid);
    const s = Number(add.run("pg-topo-standby", clusterId, "standby", pair!.standby.host, pair!.standby.port, pair!.database, pair!.monitor.user, pw, pair!.slotName, now, now).lastInsertRowid);
    return { p, s };
  });

  await logIn(page, ADMIN.login, ADMIN.password);
  await openMap(page);
  const link = page.getByTestId(`link-${CLUSTER}-pg-topo-standby`);
  const line = edge(page, `streams-to:member:${ids.p}->member:${ids.s}`);
  await expect(link).toHaveAttribute("data-state", /^(streaming|idle|caught_up)$/, { timeout: 20_000 });
  await expect(link).toHaveAttribute("data-health", "ok");
  await expect(line).toHaveClass(/health-ok/);

  await sql("standby", "SELECT pg_wal_replay_pause()");
  try {
    await sql("primary", "CREATE TABLE IF NOT EXISTS topo_writes (id serial PRIMARY KEY, payload text)");
    await sql("primary", "INSERT INTO topo_writes (payload) SELECT repeat('x', 200) FROM generate_series(1, 8000)");
    await expect(link).toHaveAttribute("data-state", "paused", { timeout: 20_000 });
    await expect(link).not.toHaveAttribute("data-health", "ok");
    await expect(link.getByTestId("link-why")).toHaveText(/^replay paused: \d+(\.\d)? (KiB|MiB) behind$/);
    // The line itself: class, attributes, colour and label change.
    await expect(line).toHaveClass(/state-paused/);
    await expect(line).toHaveAttribute("data-state", "paused");
    await expect(line).toHaveAttribute("data-health", /^(warn|critical)$/);
    await expect(line.locator(".react-flow__edge-text")).toHaveText(/^paused · \d+(\.\d)? (KiB|MiB)$/);
    await expect(line.locator("path.react-flow__edge-path")).toHaveCSS("stroke-dasharray", /6(px)?,? 4(px)?/);
    await page.screenshot({ path: "test-results/topology-paused.png" });
  } finally {
    await sql("standby", "SELECT pg_wal_replay_resume()");
  }
  await expect(link).toHaveAttribute("data-state", /^(streaming|idle|caught_up)$/, { timeout: 30_000 });
  await expect(line).toHaveClass(/health-ok/);
});
