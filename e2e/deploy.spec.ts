import { mkdirSync, chownSync, readFileSync, existsSync, writeFileSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { expect, test } from "@playwright/test";
import { startSshd, type TestSshd } from "../test/support/sshd";
import { ADMIN, logIn, logOut } from "./helpers";

/**
 * The Deploy page against a real sshd on loopback: the demo's host `bacula-a` is pointed at it, its
 * host key is confirmed in the dialog, and a dry run of the primary Director streams its steps
 * (Bacula's bdirjson runs on the "host"). A viewer sees everything but cannot deploy.
 */
let sshd: TestSshd;
let etc = "";

test.beforeAll(async () => {
  sshd = await startSshd();
  etc = join(sshd.remoteDir, "etc");
  mkdirSync(etc, { recursive: true });
  const uid = Number(execFileSync("id", ["-u", sshd.user], { encoding: "utf8" }));
  const gid = Number(execFileSync("id", ["-g", sshd.user], { encoding: "utf8" }));
  chownSync(etc, uid, gid);
  // bconsole's config is on the host (the deploy's test step checks it is a regular file before any reload).
  writeFileSync(join(etc, "bconsole.conf"), 'Director {\n  Name = bacula-dir\n  DIRport = 9101\n  Address = 127.0.0.1\n  Password = "x"\n}\n', { mode: 0o640 });
  chownSync(join(etc, "bconsole.conf"), uid, gid);
});

test.afterAll(async () => {
  await sshd?.stop();
});

test("operator confirms the host key, dry-runs the Director with streamed steps; viewer cannot deploy", async ({ page }) => {
  await logIn(page, ADMIN.login, ADMIN.password);
  const hosts = (await (await page.request.get("/api/hosts?q=bacula-a")).json()) as { items: { id: number; name: string }[] };
  const host = hosts.items.find((h) => h.name === "bacula-a")!;
  const put = await page.request.put(`/api/hosts/${host.id}`, {
    data: { name: "bacula-a", address: sshd.host, sshPort: sshd.port, sshUser: sshd.user, privateKey: sshd.privateKey },
  });
  expect(put.status(), await put.text()).toBe(200);
  const dirs = (await (await page.request.get("/api/directors?q=bacula-dir")).json()) as { items: Record<string, unknown>[] };
  const primary = dirs.items.find((d) => d.name === "bacula-dir")!;
  const full = (await (await page.request.get(`/api/directors/${primary.id}`)).json()) as Record<string, unknown>;
  const body: Record<string, unknown> = {};
  for (const k of ["name", "role", "primaryId", "site", "address", "port", "version", "hostId", "workingDirectory", "pidDirectory", "queryFile", "maxConcurrentJobs"]) body[k] = full[k];
  body.configDir = etc;
  const upd = await page.request.put(`/api/directors/${primary.id}`, { data: body });
  expect(upd.status(), await upd.text()).toBe(200);

  await page.goto("/deploy");
  await expect(page.getByRole("heading", { name: "Deploy", level: 1 })).toBeVisible();
  const row = page.getByTestId("target-bacula-dir");
  await expect(row).toContainText("never deployed");
  await expect(row).toContainText(join(etc, "bacula-dir.conf"));

  // Host key: the dialog shows what the host presents; the operator pins it.
  await row.getByRole("button", { name: /host key not pinned/ }).click();
  const dialog = page.getByRole("dialog");
  await expect(dialog.getByTestId("presented-fingerprint")).toHaveText(sshd.hostKeyFingerprint);
  await dialog.getByRole("button", { name: /I compared it: pin/ }).click();
  await expect(dialog.getByText(`Pinned ${sshd.hostKeyFingerprint}.`)).toBeVisible();
  await dialog.getByRole("button", { name: "Close" }).click();
  await expect(row.getByRole("button", { name: /host key pinned/ })).toBeVisible();

  // Only the primary Director.
  for (const name of ["bacula-dir-standby", "sd-site-a", "sd-site-b"]) {
    const cb = page.getByRole("checkbox", { name: `Select ${name}` });
    if (await cb.isChecked()) await cb.uncheck();
  }
  await page.getByRole("button", { name: "Dry run" }).click();
  const progress = page.getByTestId("progress-bacula-dir");
  await expect(progress.getByTestId("step-connect")).toHaveAttribute("data-status", "ok");
  await expect(progress.getByTestId("target-status")).toHaveText("dry_run_ok", { timeout: 30_000 });
  await expect(progress.getByTestId("step-test")).toHaveAttribute("data-status", "ok");
  await expect(progress.getByTestId("step-swap")).toHaveAttribute("data-status", "skipped");
  expect(existsSync(join(etc, "bacula-dir.conf"))).toBe(false);

  // Live check: the file is not there yet; the diff shows the whole config.
  await page.getByRole("button", { name: "Check live configs" }).click();
  await row.getByText("diff live → model").click();
  // Two files now: bacula-dir.conf, then the dashboard's own bconsole.conf beside it.
  await expect(row.getByTestId("diff").first()).toContainText('+  Name = "bacula-dir"');

  // History with full logs.
  const history = page.locator('[data-testid^="run-"]').first();
  await history.getByRole("button").click();
  const detail = page.getByTestId("run-detail");
  await expect(detail).toContainText("dry run");
  await detail.getByText("test", { exact: true }).first().click();
  await expect(detail).toContainText("/usr/sbin/bdirjson -t -c");

  // Per-daemon deploy settings: a field error names the field; a good value is saved and shown again.
  await row.getByRole("button", { name: "Settings" }).click();
  const settings = page.getByRole("dialog");
  await settings.getByLabel(/^Start command/).fill("systemctl start bacula-director; reboot");
  await settings.getByRole("button", { name: "Save settings" }).click();
  await expect(settings.getByTestId("error-startCommand")).toContainText("without a shell");
  // A program off the allow-list is refused, naming the rule; an allowed one is saved (admin only).
  await settings.getByLabel(/^Start command/).fill("/usr/local/sbin/start-director --site b");
  await settings.getByRole("button", { name: "Save settings" }).click();
  await expect(settings.getByTestId("error-startCommand")).toContainText("is not an allowed program");
  await settings.getByLabel(/^Start command/).fill("systemctl start bacula-director@site-b");
  await settings.getByRole("button", { name: "Save settings" }).click();
  await expect(page.getByRole("dialog")).toHaveCount(0);
  await expect(row.getByTestId("commands")).toContainText("systemctl start bacula-director@site-b");
  await row.getByRole("button", { name: "Settings" }).click();
  await expect(page.getByRole("dialog").getByLabel(/^Start command/)).toHaveValue("systemctl start bacula-director@site-b");
  await page.getByRole("dialog").getByRole("button", { name: "Cancel" }).click();

  const audit = (await (await page.request.get("/api/audit?action=host_key_pin")).json()) as { items: { actor: string }[] };
  expect(audit.items[0]?.actor).toBe(ADMIN.login);

  await page.request.post("/api/users", { data: { login: "deploy-viewer", password: "viewer-password-1", role: "viewer" } });
  await logOut(page);
  await logIn(page, "deploy-viewer", "viewer-password-1");
  await page.goto("/deploy");
  await expect(page.getByTestId("target-bacula-dir")).toBeVisible();
  await expect(page.getByRole("button", { name: "Deploy", exact: true })).toBeDisabled();
  await expect(page.getByRole("button", { name: "Dry run" })).toBeDisabled();
  await expect(page.getByText("deploying needs the operator role")).toBeVisible();
  await expect(page.getByRole("button", { name: "Check live configs" })).toBeDisabled();
  expect(readFileSync(sshd.logPath, "utf8")).toContain("Accepted publickey");
});
