/**
 * Issue 12.1, edits are never lost, in the browser on the real server and database: a record just
 * saved reopens with the saved values (also after a save made elsewhere), a slow answer of the
 * record's GET arriving after the user typed does not erase the typing, and of two tabs editing
 * the same record the second save is refused (409) with a clear message, overwriting nothing.
 * Works on the demo's Storage Daemon sd-site-b, and puts its port back at the end.
 */
import { expect, test, type APIRequestContext, type Page } from "@playwright/test";
import { ADMIN, field, logIn } from "./helpers";

type Rec = Record<string, unknown> & { id: number; updatedAt: string };

/** The fields the Storage Daemon form sends back (its edit body). */
const SD_FIELDS = ["name", "site", "address", "SdAddress", "port", "version", "hostId", "configDir", "workingDirectory", "pidDirectory", "maxConcurrentJobs", "restartCommand", "directives"];

async function sdRecord(request: APIRequestContext, id: number): Promise<Rec> {
  const res = await request.get(`/api/storage-daemons/${id}`);
  expect(res.status()).toBe(200);
  return (await res.json()) as Rec;
}

/** Another tab's save, through the API the form uses. */
async function saveElsewhere(request: APIRequestContext, id: number, change: Record<string, unknown>): Promise<Rec> {
  const cur = await sdRecord(request, id);
  const body: Record<string, unknown> = Object.fromEntries(SD_FIELDS.map((k) => [k, cur[k] ?? null]));
  const res = await request.put(`/api/storage-daemons/${id}`, { data: { ...body, ...change, updatedAt: cur.updatedAt } });
  expect(res.status(), await res.text()).toBe(200);
  return (await res.json()) as Rec;
}

/** Client-side: back to the list, then into the record again (the record's cache is warm). */
async function reopen(page: Page, name: string) {
  await page.getByRole("link", { name: "Back to Storage Daemons" }).click();
  await page.getByRole("link", { name, exact: true }).click();
  await expect(page.getByRole("heading", { name: `Storage Daemon “${name}”` })).toBeVisible();
}

/** Lets the page apply what just arrived (React Query's notification, React's commit). */
async function settle(page: Page) {
  await page.evaluate(() => new Promise<void>((r) => requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(r, 150)))));
}

let sdId = 0;

test.beforeEach(async ({ page }) => {
  await logIn(page, ADMIN.login, ADMIN.password);
  const list = (await (await page.request.get("/api/storage-daemons?q=sd-site-b")).json()) as { items: Rec[] };
  sdId = list.items.find((s) => s.name === "sd-site-b")!.id;
});

test.afterAll(async ({ browser }) => {
  const page = await browser.newPage();
  await logIn(page, ADMIN.login, ADMIN.password);
  await saveElsewhere(page.request, sdId, { port: 9103 });
  await page.close();
});

test("a saved record reopens with the saved values, also after a save made elsewhere", async ({ page }) => {
  await page.goto(`/inventory/storage-daemons/${sdId}`);
  await field(page, "Working directory").fill("/var/lib/bacula-e2e-saved");
  await page.getByRole("button", { name: "Save changes" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Saved." })).toBeVisible();
  await expect(field(page, "Working directory")).toHaveValue("/var/lib/bacula-e2e-saved");

  await reopen(page, "sd-site-b");
  await expect(field(page, "Working directory")).toHaveValue("/var/lib/bacula-e2e-saved");

  // Someone else saves; this tab's cache still holds the version before: reopening shows the newer one.
  await saveElsewhere(page.request, sdId, { workingDirectory: "/var/lib/bacula-e2e-elsewhere" });
  await reopen(page, "sd-site-b");
  await expect(field(page, "Working directory")).toHaveValue("/var/lib/bacula-e2e-elsewhere");
  // And it saves over that version without a conflict.
  await field(page, "SD port").fill("9123");
  await page.getByRole("button", { name: "Save changes" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Saved." })).toBeVisible();
  expect(await sdRecord(page.request, sdId)).toMatchObject({ port: 9123, workingDirectory: "/var/lib/bacula-e2e-elsewhere" });

  await page.reload();
  await expect(field(page, "SD port")).toHaveValue("9123");
});

test("a slow answer of the record arriving after the user typed keeps the typing", async ({ page }) => {
  await page.goto(`/inventory/storage-daemons/${sdId}`);
  const stored = await sdRecord(page.request, sdId);
  await expect(field(page, "Working directory")).toHaveValue(String(stored.workingDirectory));
  await page.getByRole("link", { name: "Back to Storage Daemons" }).click();

  // Hold the record's GET back until the user has typed.
  let release: () => void = () => {};
  const gate = new Promise<void>((r) => (release = r));
  let held = 0;
  await page.route(`**/api/storage-daemons/${sdId}`, async (route) => {
    if (route.request().method() !== "GET") return route.continue();
    held++;
    await gate;
    await route.continue();
  });
  await page.getByRole("link", { name: "sd-site-b", exact: true }).click();
  await expect(page.getByRole("heading", { name: "Storage Daemon “sd-site-b”" })).toBeVisible();
  await expect.poll(() => held).toBe(1);
  await field(page, "Working directory").fill("/var/lib/typed-while-loading");
  await field(page, "SD port").fill("9133");

  const arrived = page.waitForResponse((r) => r.url().endsWith(`/api/storage-daemons/${sdId}`) && r.request().method() === "GET");
  release();
  await (await arrived).finished();
  await settle(page);
  await expect(field(page, "Working directory")).toHaveValue("/var/lib/typed-while-loading");
  await expect(field(page, "SD port")).toHaveValue("9133");
  await page.unroute(`**/api/storage-daemons/${sdId}`);

  await page.getByRole("button", { name: "Save changes" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Saved." })).toBeVisible();
  expect(await sdRecord(page.request, sdId)).toMatchObject({ port: 9133, workingDirectory: "/var/lib/typed-while-loading" });
  await reopen(page, "sd-site-b");
  await expect(field(page, "Working directory")).toHaveValue("/var/lib/typed-while-loading");

  // Again, and this time another tab saves while the GET is held: the answer brings a newer
  // version. The typing stays; the save, made over the version the user read, is refused.
  await page.getByRole("link", { name: "Back to Storage Daemons" }).click();
  let release2: () => void = () => {};
  const gate2 = new Promise<void>((r) => (release2 = r));
  await page.route(`**/api/storage-daemons/${sdId}`, async (route) => {
    if (route.request().method() !== "GET") return route.continue();
    await gate2;
    await route.continue();
  });
  await page.getByRole("link", { name: "sd-site-b", exact: true }).click();
  await field(page, "Working directory").fill("/var/lib/typed-again");
  await saveElsewhere(page.request, sdId, { pidDirectory: "/run/bacula-elsewhere" });
  const arrived2 = page.waitForResponse((r) => r.url().endsWith(`/api/storage-daemons/${sdId}`) && r.request().method() === "GET");
  release2();
  await (await arrived2).finished();
  await settle(page);
  await expect(field(page, "Working directory")).toHaveValue("/var/lib/typed-again");
  await page.unroute(`**/api/storage-daemons/${sdId}`);
  await page.getByRole("button", { name: "Save changes" }).click();
  await expect(page.getByRole("alert").filter({ hasText: "changed by someone else" })).toBeVisible();
  expect(await sdRecord(page.request, sdId)).toMatchObject({ workingDirectory: "/var/lib/typed-while-loading", pidDirectory: "/run/bacula-elsewhere" });
});

test("of two tabs editing the same record, the second save is refused and overwrites nothing", async ({ page, context }) => {
  const tab1 = page;
  const tab2 = await context.newPage();
  for (const tab of [tab1, tab2]) {
    await tab.goto(`/inventory/storage-daemons/${sdId}`);
    await expect(field(tab, "SD port")).toHaveValue(/\d+/);
  }
  const before = await sdRecord(page.request, sdId);

  await field(tab1, "SD port").fill("9113");
  await tab1.getByRole("button", { name: "Save changes" }).click();
  await expect(tab1.getByRole("status").filter({ hasText: "Saved." })).toBeVisible();

  await field(tab2, "Working directory").fill("/var/lib/from-the-second-tab");
  await tab2.getByRole("button", { name: "Save changes" }).click();
  const alert = tab2.getByRole("alert").filter({ hasText: "changed by someone else" });
  await expect(alert).toContainText('Storage Daemon "sd-site-b" was changed by someone else since you opened it');
  await expect(alert).toContainText("your changes were not saved");
  await expect(tab2.getByText("Saved.", { exact: true })).toHaveCount(0);

  // The first save stands; the second changed nothing.
  const now = await sdRecord(page.request, sdId);
  expect(now).toMatchObject({ port: 9113, workingDirectory: before.workingDirectory });
  const audit = (await (await page.request.get(`/api/audit?q=sd-site-b&action=update&pageSize=50`)).json()) as { items: { action: string; after: unknown }[] };
  expect(JSON.stringify(audit.items)).not.toContain("/var/lib/from-the-second-tab");

  // The second tab loads the newer version: the first tab's port, its own typing dropped.
  await alert.getByRole("button", { name: /Load the newer version/ }).click();
  await expect(field(tab2, "SD port")).toHaveValue("9113");
  await expect(field(tab2, "Working directory")).toHaveValue(String(before.workingDirectory));
  await field(tab2, "Working directory").fill("/var/lib/from-the-second-tab");
  await tab2.getByRole("button", { name: "Save changes" }).click();
  await expect(tab2.getByRole("status").filter({ hasText: "Saved." })).toBeVisible();
  expect(await sdRecord(page.request, sdId)).toMatchObject({ port: 9113, workingDirectory: "/var/lib/from-the-second-tab" });
  await tab2.close();
});
