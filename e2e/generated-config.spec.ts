/**
 * Issue 12.4, see the generated config, and 12.5's dry run that says when its checks failed:
 * against a real sshd on loopback as the standby site's host (the demo's `bacula-b`), the standby
 * Director is deployed for real (Bacula's bdirjson tests it on the "host"); its config page shows
 * the whole file with passwords masked, its validator problems, copy and download, the diff against
 * the deployed file once the model changed, and an admin's audited reveal. Clients (File Daemons)
 * and consoles say "not rendered yet". A dry run whose test fails on the host says so.
 */
import { chownSync, mkdirSync, readFileSync } from "node:fs";
import { execFileSync } from "node:child_process";
import path, { join } from "node:path";
import { expect, test, type APIRequestContext } from "@playwright/test";
import { openSqlite } from "../test/support/sqlite";
import { startSshd, type TestSshd } from "../test/support/sshd";
import { ADMIN, field, logIn } from "./helpers";

const E2E_DIR = path.resolve(`.testenv/e2e-${process.env.E2E_PORT ?? 3210}`);
let sshd: TestSshd;
let etc = "";
let standbyId = 0;

type Rec = Record<string, unknown> & { id: number; name: string };

async function one(request: APIRequestContext, kind: string, name: string): Promise<Rec> {
  const list = (await (await request.get(`/api/${kind}?q=${encodeURIComponent(name)}`)).json()) as { items: Rec[] };
  const found = list.items.find((x) => x.name === name);
  if (!found) throw new Error(`no ${kind} ${name}`);
  return (await (await request.get(`/api/${kind}/${found.id}`)).json()) as Rec;
}

test.beforeAll(async () => {
  sshd = await startSshd();
  etc = join(sshd.remoteDir, "etc");
  mkdirSync(etc, { recursive: true });
  const uid = Number(execFileSync("id", ["-u", sshd.user], { encoding: "utf8" }));
  const gid = Number(execFileSync("id", ["-g", sshd.user], { encoding: "utf8" }));
  chownSync(etc, uid, gid);
});

test.afterAll(async () => {
  await sshd?.stop();
});

test("a Director's generated config: masked text, problems, copy, download, diff against the deployed file, audited reveal", async ({ page, context, browser }) => {
  test.setTimeout(120_000);
  await context.grantPermissions(["clipboard-read", "clipboard-write"]);
  await logIn(page, ADMIN.login, ADMIN.password);

  // The standby site's host is the test sshd; the standby Director's config goes to its directory.
  const host = await one(page.request, "hosts", "bacula-b");
  const put = await page.request.put(`/api/hosts/${host.id}`, {
    data: { name: "bacula-b", address: sshd.host, sshPort: sshd.port, sshUser: sshd.user, privateKey: sshd.privateKey, updatedAt: host.updatedAt },
  });
  expect(put.status(), await put.text()).toBe(200);
  const scanned = (await (await page.request.post(`/api/deploy/hosts/${host.id}/host-key/scan`)).json()) as { presented: string };
  expect(scanned.presented).toBe(sshd.hostKeyFingerprint);
  expect((await page.request.post(`/api/deploy/hosts/${host.id}/host-key`, { data: { fingerprint: scanned.presented } })).status()).toBe(200);
  const standby = await one(page.request, "directors", "bacula-dir-standby");
  standbyId = standby.id;
  const body: Record<string, unknown> = {};
  for (const k of ["name", "role", "primaryId", "site", "address", "port", "version", "hostId", "workingDirectory", "pidDirectory", "queryFile", "maxConcurrentJobs", "updatedAt"]) body[k] = standby[k];
  body.configDir = etc;
  const upd = await page.request.put(`/api/directors/${standby.id}`, { data: body });
  expect(upd.status(), await upd.text()).toBe(200);

  // A real deploy of the standby (it is tested on the host, swapped, and stays stopped).
  const run = await page.request.post("/api/deploy/runs", { data: { dryRun: false, targets: [`director:${standby.id}`] } });
  const events = (await run.text()).trim().split("\n").map((l) => JSON.parse(l) as { type: string; runId?: number; status?: string; targets?: { status: string; error: string | null }[] });
  const done = events.find((e) => e.type === "done")!;
  expect(done.status, JSON.stringify(done.targets)).toBe("succeeded");
  const runId = events[0].runId!;
  const onHost = readFileSync(join(etc, "bacula-dir.conf"), "utf8");

  // From the Deploy page to the config page.
  await page.goto("/deploy");
  await page.getByTestId("target-bacula-dir-standby").getByRole("link", { name: "Generated config of bacula-dir-standby" }).click();
  await expect(page).toHaveURL(new RegExp(`/config/directors/${standby.id}$`));
  await expect(page.getByTestId("config-title")).toHaveText("bacula-dir.conf of bacula-dir-standby");
  const text = page.getByTestId("config-text");
  await expect(text).toContainText('Name = "NightlyBackup"');
  await expect(text).toContainText('Password = "••••••••"');
  const shown = (await text.textContent()) ?? "";
  // The whole file as deployed, with the passwords masked.
  expect(shown.split("\n").length).toBe(onHost.split("\n").length);
  expect(onHost).toMatch(/Password = "[^•"]+"/);
  await expect(page.getByText(/Bacula's rules find nothing to report|Validator \(0 errors/).first()).toBeVisible();
  const state = page.getByTestId("deployed-state");
  await expect(state).toHaveAttribute("data-state", "same");
  await expect(state).toContainText(`Last deployed by ${ADMIN.login}`);
  await expect(state).toContainText(`deploy run #${runId}`);

  // Copy and download give the text as shown.
  await page.getByRole("button", { name: "Copy bacula-dir.conf" }).click();
  await expect(page.getByRole("button", { name: "Copy bacula-dir.conf" })).toHaveText("Copied");
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(shown);
  const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("button", { name: "Download" }).click()]);
  expect(download.suggestedFilename()).toBe("bacula-dir.conf");
  expect(readFileSync(await download.path(), "utf8")).toBe(shown);

  // The model changes (through the inventory form): the page shows the diff against the deployed file.
  const offsite = await one(page.request, "pools", "Offsite");
  await page.goto(`/inventory/pools/${offsite.id}`);
  await field(page, "Maximum volumes").fill("9");
  await page.getByRole("button", { name: "Save changes" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Saved." })).toBeVisible();
  await page.goto(`/config/directors/${standby.id}`);
  await expect(state).toHaveAttribute("data-state", "changed");
  const diff = page.getByTestId("diff");
  await expect(diff).toContainText(`--- deployed (run #${runId}) ${join(etc, "bacula-dir.conf")}`);
  await expect(diff).toContainText("+  MaximumVolumes = 9");
  await expect(diff).not.toContainText(/Password = "[^•]/);

  // An admin reveals the passwords: a POST, audited; copy then carries them.
  process.env.APP_KEY_FILE = path.join(E2E_DIR, "secret.key");
  const { decryptSecret } = await import("../lib/secrets");
  const db = openSqlite(path.join(E2E_DIR, "app.db"));
  const clientPassword = decryptSecret((db.prepare(`SELECT passwordEnc FROM Client WHERE name = ?`).get("app-server-fd") as { passwordEnc: string }).passwordEnc);
  db.close();
  expect(shown).not.toContain(clientPassword);
  const revealed = page.waitForResponse((r) => r.url().endsWith(`/api/config/directors/${standby.id}/reveal`) && r.request().method() === "POST");
  await page.getByRole("button", { name: "Reveal passwords" }).click();
  expect((await revealed).headers()["cache-control"]).toContain("no-store");
  await expect(page.getByText("This reveal was recorded in the audit log")).toBeVisible();
  await expect(text).toContainText(`Password = "${clientPassword}"`);
  await expect(text).not.toContainText("••••••••");
  await page.getByRole("button", { name: "Mask passwords" }).click();
  await expect(text).toContainText('Password = "••••••••"');
  await expect(text).not.toContainText(clientPassword);
  const audit = (await (await page.request.get("/api/audit?action=config_reveal")).json()) as { items: { actor: string; entityName: string; after: unknown }[] };
  expect(audit.items[0]).toMatchObject({ actor: ADMIN.login, entityName: "bacula-dir-standby" });
  expect(JSON.stringify(audit.items[0])).not.toContain(clientPassword);

  // A viewer reads the masked file, with no reveal; the API refuses a viewer's reveal.
  await page.request.post("/api/users", { data: { login: "config-viewer", password: "viewer-password-1", role: "viewer" } });
  const vContext = await browser.newContext();
  const viewer = await vContext.newPage();
  await logIn(viewer, "config-viewer", "viewer-password-1");
  await viewer.goto(`/config/directors/${standby.id}`);
  await expect(viewer.getByTestId("config-text")).toContainText('Password = "••••••••"');
  await expect(viewer.getByRole("button", { name: "Reveal passwords" })).toHaveCount(0);
  expect((await viewer.request.post(`/api/config/directors/${standby.id}/reveal`)).status()).toBe(403);
  await vContext.close();

  // A Client's File Daemon config and a Director's console config, on the same page, masked too.
  await page.goto("/inventory/clients");
  await page.getByRole("link", { name: "app-server-fd", exact: true }).click();
  await page.getByRole("link", { name: "Generated bacula-fd.conf" }).click();
  await expect(page.getByTestId("config-title")).toHaveText("bacula-fd.conf of app-server-fd");
  await expect(page.getByTestId("config-text")).toContainText("FileDaemon {");
  await expect(page.getByTestId("config-text")).toContainText('Password = "••••••••"');
  await page.goto(`/inventory/directors/${standby.id}`);
  await page.getByRole("link", { name: "Generated bconsole.conf" }).click();
  await expect(page.getByTestId("config-title")).toHaveText("bconsole.conf of bacula-dir-standby");
  await expect(page.getByTestId("config-text")).toContainText('Password = "••••••••"');
  await page.getByRole("link", { name: "bacula-dir.conf" }).click();
  await expect(page.getByTestId("config-title")).toHaveText("bacula-dir.conf of bacula-dir-standby");
});

test("a dry run whose checks fail on the host says so, not 'succeeded'", async ({ page }) => {
  await logIn(page, ADMIN.login, ADMIN.password);
  await page.goto("/deploy");
  const row = page.getByTestId("target-bacula-dir-standby");
  // bacula-dir -t opens the catalog, which the demo's example address cannot give: the test step fails.
  await row.getByRole("button", { name: "Settings" }).click();
  await page.getByRole("dialog").getByLabel("Test tool").selectOption("bacula-dir");
  await page.getByRole("dialog").getByRole("button", { name: "Save settings" }).click();
  await expect(page.getByRole("dialog")).toHaveCount(0);

  for (const name of ["bacula-dir", "sd-site-a", "sd-site-b"]) {
    const cb = page.getByRole("checkbox", { name: `Select ${name}`, exact: true });
    if ((await cb.isEnabled()) && (await cb.isChecked())) await cb.uncheck();
  }
  const standbyBox = page.getByRole("checkbox", { name: "Select bacula-dir-standby" });
  if (!(await standbyBox.isChecked())) await standbyBox.check();
  await page.getByRole("button", { name: "Dry run" }).click();
  const progress = page.getByTestId("progress-bacula-dir-standby");
  await expect(progress.getByTestId("target-status")).toHaveText("failed", { timeout: 30_000 });
  await expect(progress.getByTestId("step-test")).toHaveAttribute("data-status", "failed");
  const outcome = page.getByTestId("deploy-outcome");
  await expect(outcome).toContainText("checks failed on 1 of 1 target: nothing was changed");
  await expect(outcome).not.toContainText("succeeded");
  await expect(page.locator('tr[data-testid^="run-"]').first().getByTestId("deploy-run-status")).toHaveText("checks failed on 1 of 1 target: nothing was changed");
  // Nothing was swapped on the host: the deployed file is still the one of the real deploy.
  await expect(page.getByTestId("target-bacula-dir-standby").getByTestId("drift")).not.toContainText("never deployed");

  // Back to the default test tool.
  await row.getByRole("button", { name: "Settings" }).click();
  await page.getByRole("dialog").getByLabel("Test tool").selectOption("");
  await page.getByRole("dialog").getByRole("button", { name: "Save settings" }).click();
  await expect(page.getByRole("dialog")).toHaveCount(0);
  expect(standbyId).toBeGreaterThan(0);
});
