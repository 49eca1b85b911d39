/**
 * The DR drill page in the browser, against two real Bacula sites on loopback
 * (test/failover/site-rig.ts: Directors on the PostgreSQL catalog, SD-A, SD-B, a File Daemon, a
 * PostgreSQL pair, an sshd as postgres) added to the e2e server's database by this spec (test
 * setup, not the feature under test: deployed with the deploy engine, a backup and its copy run
 * with bconsole). The admin opens "DR drill" from the nav, reads the readiness with its real
 * reasons, checks and runs the drill, watches its steps stream, and finds the stored report; the
 * restored file is the original, byte for byte; the readiness then counts the drill.
 *
 * Everything the spec added is removed afterwards (the next specs count the demo topology).
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import path, { join } from "node:path";
import { expect, test } from "@playwright/test";
import type { SiteRig } from "../test/failover/site-rig";
import { ADMIN, logIn } from "./helpers";

const E2E_DIR = path.resolve(`.testenv/e2e-${process.env.E2E_PORT ?? 3210}`);
let rig: SiteRig;
let db: import("@prisma/client").PrismaClient;

test.beforeAll(async () => {
  test.setTimeout(240_000);
  // The e2e server's database and key: the rig's rows and secrets are the server's.
  process.env.DATABASE_URL = `file:${join(E2E_DIR, "app.db")}`;
  process.env.APP_KEY_FILE = join(E2E_DIR, "secret.key");
  db = (await import("../lib/db/client")).prisma;
  const { startSiteRig } = await import("../test/failover/site-rig");
  const { startDeploy } = await import("../lib/deploy/service");
  rig = await startSiteRig(db, { suffix: "-e2e" });
  const r = await startDeploy({ actor: "e2e-setup", dryRun: false, targets: rig.targets });
  for (const t of r.results) expect(t.status, `${t.name}: ${t.error}`).toBe("succeeded");
  const out = execFileSync("/usr/sbin/bconsole", ["-c", rig.a.bconsoleConfig], {
    input: "run job=NightlyBackup level=Full yes\nwait\nrun job=CopyToOffsite yes\nwait\nlist jobs\n",
    encoding: "utf8",
    timeout: 120_000,
  });
  expect(out).toMatch(/\|\s+NightlyBackup\s+\|[^\n]*\|\s+C\s+\|[^\n]*\|\s+T\s+\|/);
  await rig.pg.pair.waitForCatchUp(30_000);
});

test.afterAll(async () => {
  await rig?.remove().catch((err) => console.error("removing the site rig's rows", err));
  await rig?.stop();
  await db?.$disconnect();
});

test("an admin reads the standby-site readiness, runs the DR drill with streamed steps and finds its report", async ({ page }) => {
  test.setTimeout(240_000);
  await logIn(page, ADMIN.login, ADMIN.password);
  const nav = page.getByRole("navigation", { name: "Main" });
  await nav.getByRole("link", { name: "DR drill" }).click();
  await expect(page.getByRole("heading", { name: "DR drill", level: 1 })).toBeVisible();

  // The readiness of the rig's pair, with real reasons: site B answers and accepts its Director, a
  // copy is there; no drill yet.
  const card = page.getByTestId("readiness-panel").locator("section").filter({ hasText: `${rig.a.name} → ${rig.b.name}` });
  await expect(card).toBeVisible({ timeout: 30_000 });
  await expect(card.locator(`[data-code="sd_reachable"][data-ok="true"]`)).toContainText(`${rig.names.sdB} answers`);
  await expect(card.locator(`[data-code="fd_accepts"][data-ok="true"]`)).toContainText(`accepts ${rig.b.name}`);
  await expect(card.locator(`[data-code="copies"][data-ok="true"]`)).toContainText("NightlyBackup: newest copy at site B");
  await expect(card.locator(`[data-code="last_drill"][data-ok="false"]`)).toContainText("no DR drill has been run");
  await expect(card.getByTestId("readiness-score")).toHaveAttribute("data-score", "90");
  await expect(card.getByTestId("rpo-NightlyBackup")).toContainText("JobId");

  // Check, then run with the typed confirmation.
  const where = join(rig.restoreDir, "e2e");
  await page.getByLabel("Site pair (catalog cluster)").selectOption({ label: `${rig.pg.clusterName}: ${rig.a.name} → ${rig.b.name}` });
  await page.getByLabel(/^Backup job to test/).selectOption("NightlyBackup");
  await page.getByLabel(/^Restore to/).fill(where);
  await page.getByRole("button", { name: "Check (nothing changes)" }).click();
  await expect(page.getByTestId("drill-preflight")).toHaveAttribute("data-allowed", "true", { timeout: 30_000 });
  await expect(page.getByTestId("drill-preflight").locator('[data-code="drill_copy"]')).toHaveAttribute("data-ok", "true");
  const run = page.getByRole("button", { name: "Run the drill" });
  await expect(run).toBeDisabled();
  await page.getByLabel(/^Type the cluster's name/).fill(rig.pg.clusterName);
  await run.click();

  const progress = page.getByTestId("drill-progress");
  await expect(progress.getByTestId("step-drill_switchover")).toHaveAttribute("data-status", "ok", { timeout: 60_000 });
  await expect(progress.getByTestId("step-drill_test_backup")).toHaveAttribute("data-status", "ok", { timeout: 90_000 });
  await expect(progress.getByTestId("step-drill_test_restore")).toHaveAttribute("data-status", "ok", { timeout: 90_000 });
  await expect(progress.getByTestId("promotion-status")).toHaveText("succeeded", { timeout: 90_000 });
  await expect(progress.getByTestId("step-drill_switch_back")).toHaveAttribute("data-status", "ok");
  await expect(progress.getByTestId("drill-rto")).toContainText("RTO");
  await expect(progress.getByTestId("step-drill_test_restore")).toContainText("read from FileB1 (site B)");

  // The restore is the original, byte for byte; Director A runs again at site A.
  for (const f of ["catalog-export.bin", "notes.txt"]) expect(readFileSync(join(where, rig.dataDir, f)).equals(readFileSync(join(rig.dataDir, f)))).toBe(true);
  expect(rig.a.answers()).toBe(true);
  expect(rig.b.pid()).toBeNull();

  // The stored report, and the readiness counting the drill.
  await page.getByRole("button", { name: "Done" }).click();
  const report = page.getByTestId("drill-reports").locator("tr").filter({ hasText: rig.pg.clusterName }).first();
  await expect(report.getByTestId("drill-status")).toHaveText("succeeded");
  await expect(report.getByTestId("drill-report-rto")).toHaveText(/^\d+\.\d s$/);
  await report.getByRole("button", { name: "logs" }).click();
  await expect(report).toContainText("the drill passed");
  await expect(card.locator(`[data-code="last_drill"][data-ok="true"]`)).toContainText("passed", { timeout: 45_000 });
  await expect(card.getByTestId("readiness-score")).toHaveAttribute("data-score", "100");

  // The home page and the topology map show the score too.
  await nav.getByRole("link", { name: "Overview" }).click();
  await expect(page.getByTestId("readiness-panel").locator("section").filter({ hasText: rig.a.name }).getByTestId("readiness-score")).toHaveAttribute("data-score", "100");
  await nav.getByRole("link", { name: "Topology map" }).click();
  await expect(page.getByTestId(`readiness-${rig.a.name}`)).toHaveAttribute("data-grade", "ready");
});
