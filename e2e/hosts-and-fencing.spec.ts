/**
 * Issue 12.3, the fencing set-up is visible: any Host (not only a daemon's) has its key fetched,
 * compared and pinned from the Hosts page, against a real sshd on loopback; replacing a pinned key
 * is an admin's; and where a catalog member's SSH host is chosen, the form says what promotion
 * needs from that host (SSH user and postgres rights, pinned key, data directory, grants per
 * database) and links to the README's requirements.
 */
import { expect, test } from "@playwright/test";
import { startSshd, type TestSshd } from "../test/support/sshd";
import { ADMIN, field, logIn } from "./helpers";

let sshd: TestSshd;

test.beforeAll(async () => {
  sshd = await startSshd();
});

test.afterAll(async () => {
  await sshd?.stop();
});

test("a host no daemon uses has its key compared and pinned from the Hosts page; replacing it needs an admin", async ({ page, browser }) => {
  await logIn(page, ADMIN.login, ADMIN.password);
  const created = await page.request.post("/api/hosts", { data: { name: "pg-keys-e2e", address: sshd.host, sshPort: sshd.port, sshUser: "postgres" } });
  expect(created.status(), await created.text()).toBe(201);
  const hostId = ((await created.json()) as { id: number }).id;

  await page.goto("/inventory/hosts");
  await page.getByLabel("Search hosts").fill("pg-keys-e2e");
  const row = page.getByTestId("row-pg-keys-e2e");
  await row.getByRole("button", { name: "Host key of pg-keys-e2e" }).click();
  const dialog = page.getByRole("dialog");
  await expect(dialog.getByTestId("presented-fingerprint")).toHaveText(sshd.hostKeyFingerprint);
  await expect(dialog).toContainText("nothing yet");
  await dialog.getByRole("button", { name: /I compared it: pin/ }).click();
  const pinned = sshd.hostKeyFingerprint;
  await expect(dialog.getByText(`Pinned ${pinned}.`)).toBeVisible();
  await dialog.getByRole("button", { name: "Close" }).click();
  await expect(row).toContainText(pinned);

  // The host's key changes (a reinstall, or an attack).
  const first = sshd.hostKeyFingerprint;
  const rotated = await sshd.rotateHostKey();
  expect(rotated).not.toBe(first);

  // An operator sees the difference but cannot replace the pinned key, in the page or the API.
  const op = await page.request.post("/api/users", { data: { login: "keys-operator", password: "operator-password-1", role: "operator" } });
  expect(op.status()).toBe(201);
  const opContext = await browser.newContext();
  const opPage = await opContext.newPage();
  await logIn(opPage, "keys-operator", "operator-password-1");
  await opPage.goto(`/inventory/hosts/${hostId}`);
  await opPage.getByRole("button", { name: "Check the host key" }).click();
  const opDialog = opPage.getByRole("dialog");
  await expect(opDialog.getByTestId("presented-fingerprint")).toHaveText(rotated);
  await expect(opDialog.getByTestId("pinned-fingerprint")).toHaveText(first);
  await expect(opDialog).toContainText("DIFFERENT key");
  await expect(opDialog).toContainText("Replacing a pinned key needs an admin");
  await expect(opDialog.getByRole("button", { name: /replace the pinned key/ })).toBeDisabled();
  const refused = await opPage.request.post(`/api/deploy/hosts/${hostId}/host-key`, { data: { fingerprint: rotated } });
  expect(refused.status()).toBe(403);
  expect(((await refused.json()) as { error: string }).error).toContain("needs an admin");
  await opContext.close();

  // The admin replaces it from the host's page, while editing it: the typing stays and the save goes through.
  await page.goto(`/inventory/hosts/${hostId}`);
  await field(page, "SSH user").fill("pgadmin");
  await page.getByRole("button", { name: "Check the host key" }).click();
  await expect(dialog.getByTestId("presented-fingerprint")).toHaveText(rotated);
  await dialog.getByRole("button", { name: /I compared it: replace the pinned key/ }).click();
  await expect(dialog.getByText(`Pinned ${rotated}.`)).toBeVisible();
  await dialog.getByRole("button", { name: "Close" }).click();
  await expect(field(page, "Pinned host key")).toHaveValue(rotated);
  await expect(field(page, "SSH user")).toHaveValue("pgadmin");
  await page.getByRole("button", { name: "Save changes" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Saved." })).toBeVisible();
  const saved = (await (await page.request.get(`/api/hosts/${hostId}`)).json()) as Record<string, unknown>;
  expect(saved).toMatchObject({ sshUser: "pgadmin", hostKeyFingerprint: rotated });

  const audit = (await (await page.request.get("/api/audit?action=host_key_repin")).json()) as { items: { actor: string; entityName: string }[] };
  expect(audit.items[0]).toMatchObject({ actor: ADMIN.login, entityName: "pg-keys-e2e" });
});

test("where a catalog member's SSH host is chosen, the form says what promotion needs from it", async ({ page }) => {
  await logIn(page, ADMIN.login, ADMIN.password);
  for (const h of [{ name: "pg-postgres-e2e", address: "pg-b.example.net", sshUser: "postgres" }, { name: "pg-sudo-e2e", address: "pg-b.example.net", sshUser: "pgops" }]) {
    const created = await page.request.post("/api/hosts", { data: h });
    expect(created.status(), await created.text()).toBe(201);
  }

  await page.goto("/inventory/catalog-members");
  await page.getByRole("link", { name: "pg-site-b", exact: true }).click();
  const panel = page.getByTestId("fencing-requirements");
  await expect(panel.getByRole("heading", { name: "What promotion needs from this member's host" })).toBeVisible();
  await expect(panel.getByTestId("req-host")).toHaveAttribute("data-ok", "false");
  await expect(panel.getByTestId("req-host")).toContainText("No SSH host: this member cannot be fenced");
  await expect(panel.getByRole("link", { name: "What promotion needs on each host" })).toHaveAttribute("href", "/failover/requirements");

  // A host whose SSH user is not postgres: sudo to postgres, and the sudoers rule it needs.
  await field(page, "SSH host").selectOption({ label: "pg-sudo-e2e" });
  await expect(panel.getByTestId("req-host")).toHaveAttribute("data-ok", "true");
  await expect(panel.getByTestId("req-host")).toContainText("pgops@pg-b.example.net:22");
  await expect(panel.getByTestId("req-user")).toContainText("every command runs as sudo -n -u postgres -- …");
  await expect(panel.getByTestId("req-sudoers")).toContainText("pgops ALL=(postgres) NOPASSWD: /usr/lib/postgresql/15/bin/pg_ctl, /usr/lib/postgresql/15/bin/pg_controldata");
  await expect(panel.getByTestId("req-key")).toHaveAttribute("data-ok", "false");

  // Grants per database, for the admin role the form holds; the data directory the fence writes to.
  await field(page, "Admin role").fill("promoter");
  await expect(panel.getByTestId("req-grants-sql")).toContainText("-- psql -d bacula");
  await expect(panel.getByTestId("req-grants-sql")).toContainText("GRANT EXECUTE ON FUNCTION pg_catalog.pg_promote(boolean, integer) TO promoter;");
  await field(page, "Database").fill("bacula_site_b");
  await expect(panel.getByTestId("req-grants-sql")).toContainText("-- psql -d bacula_site_b");
  await expect(panel.getByTestId("req-datadir")).toHaveAttribute("data-ok", "false");
  await field(page, "Data directory").fill("/var/lib/postgresql/15/main");
  await expect(panel.getByTestId("req-datadir")).toHaveAttribute("data-ok", "true");

  // Logging in as postgres: the recommended way, and how Debian's locked account is opened.
  await field(page, "SSH host").selectOption({ label: "pg-postgres-e2e" });
  await expect(panel.getByTestId("req-user")).toContainText("Logs in as postgres (recommended)");
  await expect(panel.getByTestId("req-user")).toContainText("usermod -p '*' postgres");
  await expect(panel.getByTestId("req-pinned")).toHaveAttribute("data-ok", "false");
  await expect(panel.getByTestId("req-pinned").getByRole("button", { name: "Confirm host key" })).toBeVisible();

  await panel.getByRole("link", { name: "What promotion needs on each host" }).click();
  await expect(page.getByTestId("promotion-requirements")).toContainText("sudo -n -u postgres");
});
