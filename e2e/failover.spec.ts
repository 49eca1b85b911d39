/**
 * Standby promotion in the browser, against the e2e server's real PostgreSQL pair
 * (scripts/e2e-server.sh, cluster "catalog-e2e") and a real sshd logging in as postgres:
 * the admin opens the promotion page from the nav, reads the preflight, confirms, and watches the
 * steps stream until the switchover succeeded; the member table then shows the roles swapped.
 *
 * The e2e seed gives the members no admin password and no SSH host: this spec adds them straight
 * into the server's database (test setup, not the feature under test).
 */
import fs from "node:fs";
import path from "node:path";
import { expect, test } from "@playwright/test";
import pg from "pg";
import { openSqlite } from "../test/support/sqlite";
import { startSshd, type TestSshd } from "../test/support/sshd";
import { ensurePostgresSshLogin } from "../test/failover/support";
import { ADMIN, logIn } from "./helpers";

interface PairFacts {
  clusterId: number;
  host: string;
  primaryPort: number;
  standbyPort: number;
  database: string;
  superuser: string;
  superuserPassword: string;
}


/** The folder scripts/e2e-server.sh fills for this run's port. */
const E2E_DIR = path.resolve(`.testenv/e2e-${process.env.E2E_PORT ?? 3210}`);
let sshd: TestSshd;

test.beforeAll(async () => {
  ensurePostgresSshLogin();
  sshd = await startSshd({ user: "postgres" });
  process.env.APP_KEY_FILE = path.join(E2E_DIR, "secret.key");
  const { encryptSecret } = await import("../lib/secrets");
  const f = JSON.parse(fs.readFileSync(path.join(E2E_DIR, "pgpair.json"), "utf8")) as PairFacts;
  const pairDir = fs.readFileSync(path.join(E2E_DIR, "pgpair.dir"), "utf8").trim();
  const db = openSqlite(path.join(E2E_DIR, "app.db"));
  const now = new Date().toISOString();
  const hostId = db
    .prepare(`INSERT INTO Host (name, address, sshPort, sshUser, privateKeyEnc, hostKeyFingerprint, createdAt, updatedAt) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`)
    .run("pg-e2e-host", sshd.host, sshd.port, sshd.user, encryptSecret(sshd.privateKey), sshd.hostKeyFingerprint, now, now).lastInsertRowid;
  const upd = db.prepare(`UPDATE CatalogMember SET adminUser = ?, adminPasswordEnc = ?, dataDirectory = ?, hostId = ? WHERE clusterId = ? AND name = ?`);
  upd.run(f.superuser, encryptSecret(f.superuserPassword), path.join(pairDir, "primary"), hostId, f.clusterId, "pg-e2e-primary");
  upd.run(f.superuser, encryptSecret(f.superuserPassword), path.join(pairDir, "standby"), hostId, f.clusterId, "pg-e2e-standby");
  db.close();
});

test.afterAll(async () => {
  await sshd?.stop();
});

test("an admin switches the catalog over with one guarded click and watches the steps", async ({ page }) => {
  test.setTimeout(180_000);
  const f = JSON.parse(fs.readFileSync(path.join(E2E_DIR, "pgpair.json"), "utf8")) as PairFacts;
  await logIn(page, ADMIN.login, ADMIN.password);
  await page.getByRole("link", { name: "Standby promotion" }).click();
  await page.getByRole("link", { name: "catalog-e2e" }).click();
  await expect(page.getByRole("heading", { name: "Promote: catalog-e2e" })).toBeVisible();

  await page.getByTestId("member-pg-e2e-standby").getByRole("button", { name: "Promote…" }).click();
  const dialog = page.getByRole("dialog");
  await expect(dialog.getByTestId("preflight-mode")).toHaveText("switchover", { timeout: 20_000 });
  await expect(dialog.locator('[data-code="target_in_recovery"]')).toHaveAttribute("data-ok", "true");
  await expect(dialog.locator('[data-code="lag"]')).toHaveAttribute("data-ok", "true");
  // The preflight proves the credentials it will use and links to the requirements.
  await expect(dialog.locator('[data-code="target_promote_privilege"]')).toHaveAttribute("data-ok", "true");
  await expect(dialog.locator('[data-code="fence_pg_ctl"]')).toHaveAttribute("data-ok", "true");
  await expect(dialog.getByTestId("preflight-fence")).toContainText("over SSH as postgres");
  await expect(dialog.getByRole("link", { name: /What promotion needs on each host/ })).toHaveAttribute("href", "/failover/requirements");

  await dialog.getByRole("button", { name: "Promote", exact: true }).click();
  await expect(dialog.getByTestId("promotion-progress")).toBeVisible();
  await expect(dialog.getByTestId("step-fence_old_primary")).toHaveAttribute("data-status", "ok", { timeout: 60_000 });
  await expect(dialog.getByTestId("step-promote")).toHaveAttribute("data-status", "ok", { timeout: 60_000 });
  await expect(dialog.getByTestId("promotion-status")).toHaveText("succeeded", { timeout: 60_000 });
  await expect(dialog.getByTestId("step-director_switchover")).toHaveAttribute("data-status", "skipped");
  await expect(dialog.getByTestId("step-director_switchover")).toContainText("catalog only: the Directors were not switched");
  await dialog.getByRole("button", { name: "Close" }).click();

  await expect(page.getByTestId("member-pg-e2e-standby")).toContainText("primary", { timeout: 15_000 });
  const oldRow = page.getByTestId("member-pg-e2e-primary");
  await expect(oldRow.getByTestId("fence-state")).toHaveAttribute("data-fence-state", "fenced");
  await expect(oldRow.getByTestId("fence-note")).toContainText("standby.signal + primary_conninfo");
  await expect(oldRow.getByRole("button", { name: "Re-attach…" })).toBeVisible();
  await expect(oldRow.getByRole("button", { name: "Fence now…" })).toHaveCount(0);

  // Issue 12.6: on the replication page the stopped, fenced old primary reads "fenced (expected)"
  // with the next step (re-attach), not "critical".
  await page.goto("/replication");
  const card = page.getByTestId("cluster-catalog-e2e");
  const row = card.getByTestId("member-pg-e2e-primary");
  await expect(row.getByTestId("state")).toHaveAttribute("data-state", "fenced", { timeout: 20_000 });
  await expect(row.getByTestId("state")).toHaveText("fenced (expected)");
  await expect(row.getByTestId("next-step")).toHaveAttribute("data-action", "reattach");
  await expect(row.getByRole("link", { name: "Re-attach as a standby" })).toBeVisible();
  await expect(row.getByTestId("health")).not.toHaveAttribute("data-health", "critical");

  // The page the preflight links to says what promotion needs on each host (the README's section).
  await page.goto("/failover/requirements");
  await expect(page.getByTestId("promotion-requirements")).toContainText("GRANT EXECUTE ON FUNCTION pg_catalog.pg_promote(boolean, integer)");

  // The promoted standby really is a writable primary now.
  const c = new pg.Client({ host: f.host, port: f.standbyPort, user: f.superuser, password: f.superuserPassword, database: f.database });
  await c.connect();
  try {
    expect((await c.query("SELECT pg_is_in_recovery() AS r")).rows[0].r).toBe(false);
  } finally {
    await c.end();
  }
});
