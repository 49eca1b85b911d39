import { expect, test } from "@playwright/test";
import { ADMIN, field, logIn, logOut } from "./helpers";

test("an operator builds an SD, a Storage and a Pool, meets the name rule and the reference guard", async ({ page }) => {
  await logIn(page, ADMIN.login, ADMIN.password);
  // The overview counts the model's Directors (the demo's two, and any an earlier spec imported).
  const directors = (await (await page.request.get("/api/directors")).json()) as { total: number };
  expect(directors.total).toBeGreaterThanOrEqual(2);
  await expect(page.getByTestId("stat-Directors")).toHaveText(String(directors.total));

  // Storage Daemon
  await page.goto("/inventory/storage-daemons/new");
  await field(page, "Name").fill("sd-e2e");
  await field(page, "Address").fill("sd-e2e.example.net");
  await field(page, "Director password").fill("sd-secret-value");
  await page.getByRole("button", { name: "Create Storage Daemon" }).click();
  await expect(page.getByRole("heading", { name: "Storage Daemon “sd-e2e”" })).toBeVisible();
  // The password is stored but never shown again.
  await expect(field(page, "Director password")).toHaveValue("");
  await expect(field(page, "Director password")).toHaveAttribute("placeholder", /Stored/);

  // Device on it
  await page.goto("/inventory/devices/new");
  await field(page, "Name").fill("E2EDev");
  await field(page, "Storage Daemon").selectOption({ label: "sd-e2e" });
  await field(page, "Media type").fill("E2EFile");
  await field(page, "Archive device").fill("/srv/bacula/e2e");
  await page.getByRole("button", { name: "Create Device" }).click();
  await expect(page.getByRole("heading", { name: "Device “E2EDev”" })).toBeVisible();

  // Storage
  await page.goto("/inventory/storages/new");
  await field(page, "Name").fill("E2EStorage");
  await field(page, "Director").selectOption({ label: "bacula-dir" });
  await field(page, "Storage Daemon").selectOption({ label: "sd-e2e" });
  // The Device list names each device of the chosen SD with its media type.
  await field(page, "Device").selectOption({ label: "E2EDev (E2EFile)" });
  await field(page, "Media type").fill("E2EFile");
  await page.getByRole("button", { name: "Create Storage" }).click();
  await expect(page.getByRole("heading", { name: "Storage “E2EStorage”" })).toBeVisible();

  // Pool: first a bad name, refused with the field and the rule
  await page.goto("/inventory/pools/new");
  await field(page, "Name").fill("bad/name{");
  await field(page, "Director").selectOption({ label: "bacula-dir" });
  await page.getByRole("button", { name: "Create Pool" }).click();
  const nameError = page.locator("#field-name-error");
  await expect(nameError).toContainText("Name: may contain only letters, digits, space and : . - _");
  await expect(field(page, "Name")).toHaveAttribute("aria-invalid", "true");
  await expect(field(page, "Name")).toHaveAttribute("aria-describedby", /field-name-error/);

  await field(page, "Name").fill("E2EPool");
  await page.getByLabel("Storage to add").selectOption({ label: "E2EStorage (E2EFile)" });
  await page.getByRole("button", { name: "Add", exact: true }).click();
  await expect(page.getByTestId("storage-group")).toContainText("E2EStorage");
  await page.getByRole("button", { name: "Create Pool" }).click();
  await expect(page.getByRole("heading", { name: "Pool “E2EPool”" })).toBeVisible();

  // Deleting the storage while the pool uses it is refused, naming the pool
  await page.goto("/inventory/storages");
  await page.getByLabel("Search storages").fill("E2E");
  page.once("dialog", (d) => d.accept());
  await page.getByRole("button", { name: "Delete E2EStorage" }).click();
  await expect(page.getByRole("main").getByRole("alert")).toContainText('Storage "E2EStorage" is still used by: Pool "E2EPool"');
  await expect(page.getByTestId("row-E2EStorage")).toBeVisible();

  // The audit log saw it all
  await page.goto("/audit");
  await expect(page.getByRole("table")).toContainText("E2EPool");
  await expect(page.getByRole("table")).toContainText("sd-e2e");

  await logOut(page);
  await page.goto("/inventory/pools");
  await expect(page).toHaveURL(/\/login$/);
});

test("a viewer reads but cannot edit", async ({ page, request }) => {
  // The admin creates a viewer through the API, as the users page does.
  await logIn(page, ADMIN.login, ADMIN.password);
  const created = await page.request.post("/api/users", { data: { login: "e2e-viewer", password: "viewer-password-1", role: "viewer" } });
  expect(created.status()).toBe(201);
  await logOut(page);

  await logIn(page, "e2e-viewer", "viewer-password-1");
  await page.goto("/inventory/pools");
  await expect(page.getByTestId("row-Nightly")).toBeVisible();
  await expect(page.getByRole("link", { name: "New Pool" })).toHaveCount(0);
  await expect(page.getByRole("button", { name: /^Delete / })).toHaveCount(0);
  await page.getByRole("link", { name: "Nightly" }).click();
  await expect(page.getByText("You have read-only access (viewer role).")).toBeVisible();
  await expect(field(page, "Name")).toBeDisabled();

  // The API refuses the viewer's writes too.
  const attempt = await page.request.post("/api/pools", { data: { name: "ViewerPool", directorId: 1, poolType: "Backup" } });
  expect(attempt.status()).toBe(403);
  expect((await attempt.json()).error).toContain("operator");
  // No session at all: 401.
  const anonymous = await request.get("/api/pools", { headers: { cookie: "" } });
  expect(anonymous.status()).toBe(401);
});
