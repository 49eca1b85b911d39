/**
 * The replication pages against a real PostgreSQL pair of this spec's own (started here with
 * test/support/pgPair and added straight into the e2e server's database as cluster
 * "replication-e2e"; the server's poller picks it up within a second). Its own pair keeps it
 * independent of specs that switch the server's "replication-e2e" pair over.
 */
import path from "node:path";
import { expect, test } from "@playwright/test";
import pg from "pg";
import { startPgPair, type PgPair } from "../test/support/pgPair";
import { openSqlite } from "../test/support/sqlite";
import { ADMIN, logIn } from "./helpers";

const E2E_DIR = path.resolve(".testenv", `e2e-${process.env.E2E_PORT ?? 3210}`);
const CLUSTER = "replication-e2e";
let pair: PgPair;
let clusterId = 0;

interface PairFacts {
  host: string;
  primaryPort: number;
  standbyPort: number;
  database: string;
  superuser: string;
  superuserPassword: string;
  slot: string;
}
let f: PairFacts;

test.beforeAll(async () => {
  pair = await startPgPair();
  f = {
    host: pair.primary.host,
    primaryPort: pair.primary.port,
    standbyPort: pair.standby.port,
    database: pair.database,
    superuser: pair.superuser.user,
    superuserPassword: pair.superuser.password,
    slot: pair.slotName,
  };
  process.env.APP_KEY_FILE = path.join(E2E_DIR, "secret.key");
  const { encryptSecret } = await import("../lib/secrets");
  const db = openSqlite(path.join(E2E_DIR, "app.db"));
  const now = new Date().toISOString().replace("Z", "+00:00");
  clusterId = Number(db.prepare(`INSERT INTO CatalogCluster (name, createdAt, updatedAt) VALUES (?, ?, ?)`).run(CLUSTER, now, now).lastInsertRowid);
  const add = db.prepare(
    `INSERT INTO CatalogMember (name, clusterId, role, address, port, dbName, monitorUser, monitorPasswordEnc, slotName, createdAt, updatedAt) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const pw = encryptSecret(pair.monitor.password);
  add.run("pg-view-primary", clusterId, "primary", pair.primary.host, pair.primary.port, pair.database, pair.monitor.user, pw, null, now, now);
  add.run("pg-view-standby", clusterId, "standby", pair.standby.host, pair.standby.port, pair.database, pair.monitor.user, pw, pair.slotName, now, now);
  db.close();
});

test.afterAll(async () => {
  if (clusterId) {
    const db = openSqlite(path.join(E2E_DIR, "app.db"));
    db.prepare(`DELETE FROM ReplicationSample WHERE clusterId = ?`).run(clusterId);
    db.prepare(`DELETE FROM CatalogMember WHERE clusterId = ?`).run(clusterId);
    db.prepare(`DELETE FROM CatalogCluster WHERE id = ?`).run(clusterId);
    db.close();
  }
  await pair?.stop();
});

async function sql(node: "primary" | "standby", text: string) {
  const c = new pg.Client({ host: f.host, port: node === "primary" ? f.primaryPort : f.standbyPort, user: f.superuser, password: f.superuserPassword, database: f.database });
  await c.connect();
  try {
    return (await c.query(text)).rows;
  } finally {
    await c.end();
  }
}

test("the replication pages show the live state and lag of a real PostgreSQL pair", async ({ page }) => {
  await logIn(page, ADMIN.login, ADMIN.password);

  await page.goto("/replication");
  // List page
  await expect(page.getByRole("heading", { name: "Catalog replication" })).toBeVisible();
  const card = page.getByTestId("cluster-replication-e2e");
  await expect(card.getByTestId("health").first()).toHaveAttribute("data-health", "ok");
  const standbyRow = card.getByTestId("member-pg-view-standby");
  await expect(standbyRow.getByTestId("state")).toHaveAttribute("data-state", /^(streaming|idle|caught_up)$/);
  await expect(standbyRow.getByTestId("role")).toContainText("standby");
  await expect(card.getByTestId("member-pg-view-primary").getByTestId("role")).toContainText("primary");
  await expect(standbyRow.getByTestId("replay-bytes")).toHaveText(/^\d+(\.\d)? (B|KiB)$/);

  // Detail page: pause replay and write on the primary: the byte lag shows and grows
  await card.getByRole("link", { name: "replication-e2e" }).click();
  await expect(page.getByRole("heading", { name: /Catalog cluster “replication-e2e”/ })).toBeVisible();
  await expect(page.getByTestId("slots")).toContainText(f.slot);
  const row = page.getByTestId("member-pg-view-standby");
  await sql("standby", "SELECT pg_wal_replay_pause()");
  try {
    await sql("primary", "CREATE TABLE IF NOT EXISTS e2e_writes (id serial PRIMARY KEY, payload text)");
    await sql("primary", "INSERT INTO e2e_writes (payload) SELECT repeat('x', 200) FROM generate_series(1, 5000)");
    await expect(row.getByTestId("state")).toHaveAttribute("data-state", "paused");
    await expect(row.getByTestId("replay-bytes")).toHaveText(/(KiB|MiB)/);
    const first = Number(await row.getByTestId("replay-bytes").getAttribute("data-bytes"));
    expect(first).toBeGreaterThan(100_000);
    await sql("primary", "INSERT INTO e2e_writes (payload) SELECT repeat('x', 200) FROM generate_series(1, 5000)");
    await expect.poll(async () => Number(await row.getByTestId("replay-bytes").getAttribute("data-bytes")), { timeout: 10_000 }).toBeGreaterThan(first);
    await expect(page.getByTestId("replay-paused")).toContainText("paused");
    await expect(page.getByTestId("headline")).toContainText(/replay/i);
    await expect(page.getByTestId("reasons")).toContainText("pg_wal_replay_resume()");

    // The lag chart shows the fresh spike: its newest point is marked, stands well above the
    // baseline (the bucket's highest value, not an average) and clear of the right edge.
    const latest = page.getByTestId("chart-bytes-latest").locator('[data-member="pg-view-standby"]');
    await expect.poll(async () => Number(await latest.getAttribute("data-value")), { timeout: 20_000 }).toBeGreaterThan(100_000);
    const plot = page.getByTestId("chart-bytes");
    const dot = plot.locator('[data-testid="chart-bytes-last"][data-member="pg-view-standby"]');
    await expect(dot).toHaveCount(1);
    const box = (await plot.boundingBox())!;
    const d = (await dot.boundingBox())!;
    const cy = d.y + d.height / 2 - box.y;
    const cx = d.x + d.width / 2 - box.x;
    expect(cy, "the spike reaches the upper half of the plot").toBeLessThan(box.height * 0.5);
    expect(box.width - cx, "room after the newest point").toBeGreaterThan(12);
  } finally {
    await sql("standby", "SELECT pg_wal_replay_resume()");
  }
  await expect(row.getByTestId("state")).toHaveAttribute("data-state", /^(streaming|idle|caught_up)$/, { timeout: 20_000 });
  await expect(row.getByTestId("replay-bytes")).toHaveText("0 B", { timeout: 20_000 });
  // Caught up reads as such, whether PostgreSQL still reports a replay_lag or NULL (idle primary).
  await expect(row.getByTestId("state")).toHaveAttribute("data-state", /^(idle|caught_up)$/, { timeout: 20_000 });
  await expect(row.getByTestId("state")).toHaveText("streaming, caught up");
  await expect(row.getByTestId("replay-lag")).not.toHaveText("idle");
  await expect(page.getByRole("img", { name: "Replay byte lag over time" })).toBeVisible();
  await page.getByRole("button", { name: "Last day" }).click();
  await expect(page.getByRole("button", { name: "Last day" })).toHaveAttribute("aria-pressed", "true");
  await expect(page.getByRole("img", { name: "Replay byte lag over time" })).toBeVisible();

  // Home (its counts are cached up to 5 s): the live health replaces the old placeholder, linking here
  await page.goto("/");
  const homeRow = page.getByRole("row", { name: /replication-e2e/ });
  await expect(homeRow.getByTestId("health")).toHaveAttribute("data-health", "ok");
  await expect(page.getByText("not monitored yet")).toHaveCount(0);

  await page.goto(`/replication/${clusterId}`);

  // Setup assistant, prefilled from the cluster; a hostile value is refused, naming the field
  await page.getByRole("link", { name: "Setup assistant" }).click();
  await expect(page.getByTestId("setup-basebackup")).toContainText(`-R -X stream -C -S ${f.slot}`);
  await expect(page.getByTestId("setup-basebackup")).toContainText(`-p ${f.primaryPort}`);
  await expect(page.getByTestId("setup-roles")).toContainText('GRANT pg_monitor TO "bacula_monitor";');
  await expect(page.getByRole("button", { name: "Copy Clone the standby" })).toBeVisible();
  await page.getByLabel("Replication slot").fill("s1; DROP TABLE job");
  await expect(page.locator("#setup-slotName-error")).toContainText("lower-case letters");
  await expect(page.getByTestId("setup-basebackup")).toHaveCount(0);
});
