/**
 * Issue 12.5, error texts for people: each error names its field by the label the page shows,
 * once, next to the input it concerns (aria-describedby), never a field path or zod's own text —
 * the chain builder (its API answers with paths like chain.hops.0.target.pool), the users page,
 * and the replication setup assistant, which opens without an error.
 */
import { expect, test, type Page } from "@playwright/test";
import { ADMIN, logIn } from "./helpers";

/** Nothing in the page's main area reads like a field path or a raw zod message. */
async function noRawText(page: Page) {
  const text = (await page.getByRole("main").textContent()) ?? "";
  expect(text).not.toMatch(/chain\.|hops\.\d|\.target\.|\.job\.|scheduleId|Invalid input|expected string|Too small|Too big/);
}

test("the chain builder names each refused field by its label, next to the input", async ({ page }) => {
  await logIn(page, ADMIN.login, ADMIN.password);
  await page.goto("/builder/chains");
  await page.getByLabel("Director", { exact: true }).selectOption({ label: "bacula-dir (Bacula 15.0.3)" });
  await page.getByLabel("Backup job", { exact: true }).selectOption("NightlyBackup");
  await page.getByRole("button", { name: "Add copy hop" }).click();
  await page.getByLabel("a new pool").check();
  await page.getByLabel("Hop 1 new pool storage").selectOption({ label: "File5 (File5, sd-site-a)" });

  // A new pool named like an existing one: the server's path chain.hops.0.target.pool, said as the input's label.
  await page.getByLabel("Hop 1 new pool name").fill("Nightly");
  const nameError = page.locator("#hop-0-new-pool-error");
  await expect(nameError).toHaveText('Hop 1 new pool name: a Pool named "Nightly" already exists');
  await expect(page.getByLabel("Hop 1 new pool name")).toHaveAttribute("aria-describedby", /hop-0-new-pool-error/);
  await expect(page.getByLabel("Hop 1 new pool name")).toHaveAttribute("aria-invalid", "true");
  // The summary does not repeat it: it points at the field.
  await expect(page.getByRole("main").getByRole("alert").filter({ hasText: "No preview" })).toHaveText("No preview: see the message next to the field.");
  await noRawText(page);

  // Its own Schedule, none chosen: chain.hops.0.job.schedule is "Hop 1 schedule".
  await page.getByLabel("Hop 1 new pool name").fill("VaultPeople");
  await expect(nameError).toHaveCount(0);
  await page.getByLabel("on its own Schedule").check();
  const scheduleError = page.locator("#hop-0-schedule-error");
  await expect(scheduleError).toHaveText("Hop 1 schedule: choose a Schedule");
  await expect(page.getByLabel("Hop 1 schedule")).toHaveAttribute("aria-describedby", /hop-0-schedule-error/);
  await noRawText(page);

  // Applying is refused the same way, and writes nothing.
  await page.getByRole("button", { name: "Apply chain" }).click();
  await expect(page.getByRole("main").getByRole("alert").filter({ hasText: "Not applied" })).toHaveText("Not applied: see the message next to the field.");
  await noRawText(page);
  const pools = (await (await page.request.get("/api/pools?q=VaultPeople")).json()) as { total: number };
  expect(pools.total).toBe(0);
});

test("the users page names the fields of a refused user by their labels", async ({ page }) => {
  await logIn(page, ADMIN.login, ADMIN.password);
  await page.goto("/users");
  await page.getByLabel("Login", { exact: true }).fill("bad login!");
  await page.getByLabel("Password (12+ characters)").fill("short");
  await page.getByRole("button", { name: "Create user" }).click();
  await expect(page.locator("#new-login-error")).toHaveText("Login: may contain only letters, digits and . _ @ -");
  await expect(page.locator("#new-password-error")).toHaveText("Password: must be at least 12 characters");
  await expect(page.getByLabel("Login", { exact: true })).toHaveAttribute("aria-describedby", "new-login-error");
  await expect(page.getByRole("main").getByRole("alert")).toHaveText("Not created: see the messages next to the fields.");
  await noRawText(page);
});

test("the replication setup assistant opens without an error, and names an empty field once it was visited", async ({ page }) => {
  await logIn(page, ADMIN.login, ADMIN.password);
  await page.goto("/replication/setup");
  await expect(page.getByRole("heading", { name: "Replication setup assistant" })).toBeVisible();
  await expect(page.getByTestId("setup-waiting")).toHaveText("Fill in Primary host, Standby host to see the commands.");
  await expect(page.getByRole("main").getByRole("alert")).toHaveCount(0);
  await expect(page.locator('[id$="-error"]')).toHaveCount(0);

  // Visiting a required field and leaving it empty names it.
  await page.getByLabel("Primary host").focus();
  await page.getByLabel("Standby host").focus();
  await expect(page.locator("#setup-primaryHost-error")).toHaveText("Primary host: is required");
  await noRawText(page);

  // Both hosts filled: the commands, no error.
  await page.getByLabel("Primary host").fill("10.0.0.5");
  await page.getByLabel("Standby host").fill("10.0.0.6");
  await expect(page.getByTestId("setup-basebackup")).toContainText("-R -X stream -C -S standby1_slot");
  await expect(page.getByRole("main").getByRole("alert")).toHaveCount(0);
  // A bad value says which field, once ("Replication slot: …", not "Replication slot: Slot name: …").
  await page.getByLabel("Replication slot").fill("Bad Slot");
  await expect(page.locator("#setup-slotName-error")).toHaveText(/^Replication slot: lower-case letters/);
});
