import { expect, test } from "@playwright/test";
import { ADMIN, logIn } from "./helpers";

test("an operator builds a storage group on a Pool: live rendered resource and explanation, then the model holds it", async ({ page }) => {
  await logIn(page, ADMIN.login, ADMIN.password);
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Storage groups" }).click();
  await expect(page.getByRole("heading", { name: "Storage group builder" })).toBeVisible();

  await page.getByLabel("Director", { exact: true }).selectOption({ label: "bacula-dir (Bacula 15.0.3)" });
  await page.getByLabel("a Pool").check();
  await page.getByLabel("Pool", { exact: true }).selectOption({ label: "Nightly" });
  const list = page.getByTestId("sg-storages");
  await expect(list.getByRole("listitem")).toHaveCount(3);
  await expect(page.getByTestId("rendered-resource")).toContainText('Storage = "File4", "File5", "File6"');

  // Keyboard ordering: focus File6's "up" button and press it twice with the keyboard.
  await page.getByRole("button", { name: "Move File6 up" }).focus();
  await page.keyboard.press("Enter");
  await page.getByRole("button", { name: "Move File6 up" }).focus();
  await page.keyboard.press("Enter");
  await page.getByRole("button", { name: "Remove File5" }).click();
  await page.getByLabel("Storage to add").selectOption({ label: "OffsiteFile (Media Type CopyFile, on sd-site-b)" });
  await page.getByRole("button", { name: "Add", exact: true }).click();
  await expect(list.getByRole("listitem")).toHaveText([/File6/, /File4/, /OffsiteFile/]);

  // The 15.0.3 Director offers the 15.0 policies; FreeSpace asks for a threshold.
  const policy = page.getByLabel("Storage group policy");
  await expect(policy.locator("option")).toHaveText(["(none: ListedOrder)", "ListedOrder", "LeastUsed", "FreeSpace", "FreeSpaceLeastUsed", "LastBackedUpTo"]);
  await policy.selectOption("FreeSpace");
  await expect(page.getByLabel("Policy threshold")).toBeVisible();
  await policy.selectOption("LeastUsed");
  await expect(page.getByLabel("Policy threshold")).toHaveCount(0);

  const rendered = page.getByTestId("rendered-resource");
  await expect(rendered).toContainText('Storage = "File6", "File4", "OffsiteFile"');
  await expect(rendered).toContainText("StorageGroupPolicy = LeastUsed");
  await expect(page.getByTestId("explanation")).toContainText("LeastUsed: the Director uses the storage that currently runs the fewest jobs");
  await expect(page.getByTestId("explanation")).toContainText('The Pool "Nightly" lists "File6", "File4", "OffsiteFile"');
  await page.screenshot({ path: "test-results/builder-storage-group.png", fullPage: true });

  await page.getByRole("button", { name: "Save pool" }).click();
  await expect(page.getByText("Saved. The model now holds this storage group.")).toBeVisible();

  // The model (API) holds the same ordered list and policy the form would produce.
  const pools = await (await page.request.get("/api/pools?q=Nightly")).json();
  const nightly = pools.items.find((p: { name: string }) => p.name === "Nightly");
  expect(nightly.storageNames).toEqual(["File6", "File4", "OffsiteFile"]);
  expect(nightly.storagePolicy).toBe("LeastUsed");
  expect(nightly.storagePolicyThreshold).toBeNull();
  const director = await (await page.request.get(`/api/config/directors/${nightly.directorId}`)).json();
  expect(director.text).toContain('Storage = "File6", "File4", "OffsiteFile"\n  StorageGroupPolicy = LeastUsed');
  // The inventory form shows the same order.
  await page.goto(`/inventory/pools/${nightly.id}`);
  await expect(page.getByTestId("storage-group").getByRole("listitem")).toHaveText([/File6/, /File4/, /OffsiteFile/]);
});

test("an operator builds a copy hop in the chain builder and sees the graph", async ({ page }) => {
  await logIn(page, ADMIN.login, ADMIN.password);
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Copy / clone chains" }).click();
  await expect(page.getByRole("heading", { name: "Copy / clone chain builder" })).toBeVisible();
  await page.getByLabel("Director", { exact: true }).selectOption({ label: "bacula-dir (Bacula 15.0.3)" });
  await page.getByLabel("Backup job", { exact: true }).selectOption("NightlyBackup");

  // The existing chain: NightlyBackup -> Nightly -> (Next Pool) Offsite, copied by CopyToOffsite.
  await expect(page.getByTestId("rf__node-job:NightlyBackup")).toBeVisible();
  await expect(page.getByTestId("rf__node-pool:Offsite")).toBeVisible();
  await expect(page.getByTestId("rf__node-job:CopyToOffsite")).toBeVisible();

  // A second hop Offsite -> new pool Vault on sd-site-a, with PoolUncopiedJobs: the validator's rule shows.
  await page.getByRole("button", { name: "Add copy hop" }).click();
  await page.getByLabel("a new pool").check();
  await page.getByLabel("Hop 1 new pool name").fill("Vault");
  await page.getByLabel("Hop 1 new pool storage").selectOption({ label: "File5 (File5, sd-site-a)" });
  await page.getByLabel("Hop 1 copy job name").fill("CopyToVault");
  await page.getByLabel("Hop 1 selection type").selectOption("PoolUncopiedJobs");
  // Hop 1 copies from NightlyBackup's pool (Nightly) -- a first hop, no warning.
  await expect(page.getByTestId("rf__node-pool:Vault")).toBeVisible();
  await expect(page.getByTestId("rf__node-job:CopyToVault")).toBeVisible();
  await expect(page.getByTestId("rf__node-storage:File5")).toBeVisible();
  await expect(page.getByTestId("rf__node-sd:sd-site-a")).toBeVisible();
  await expect(page.getByTestId("rf__edge-copy:job:CopyToVault->pool:Vault")).toBeAttached();
  await expect(page.getByTestId("rf__edge-copy-reads:pool:Nightly->job:CopyToVault")).toBeAttached();
  await expect(page.getByTestId("rf__edge-writes-to:job:NightlyBackup->pool:Nightly")).toBeAttached();
  await expect(page.getByTestId("chain-resources")).toContainText('Name = "CopyToVault"');
  await expect(page.getByTestId("chain-resources")).toContainText("Type = Copy");
  await expect(page.getByTestId("chain-resources")).toContainText('NextPool = "Vault"');
  await expect(page.getByTestId("chain-graph")).toHaveAttribute("data-laid-out", "yes");

  // A second copy hop with PoolUncopiedJobs: flagged with the validator's rule next to the field.
  await page.getByRole("button", { name: "Add copy hop" }).click();
  await page.getByLabel("Hop 2 target pool").selectOption("Offsite");
  await page.getByLabel("Hop 2 selection type").selectOption("PoolUncopiedJobs");
  await expect(page.locator("#hop-1-selection-problems")).toContainText("uncopied-second-hop");
  await expect(page.getByLabel("Hop 2 selection type")).toHaveAttribute("aria-describedby", /hop-1-selection-problems/);
  await page.getByLabel("Hop 2 selection type").selectOption("Job");
  await page.getByLabel("Hop 2 selection pattern").fill("^NightlyBackup$");
  await expect(page.locator("#hop-1-selection-problems")).toHaveCount(0);
  await page.getByRole("button", { name: "Remove hop 2" }).click();

  // Keyboard: the graph's nodes and its zoom controls are reachable.
  await page.getByTestId("rf__node-pool:Vault").focus();
  await expect(page.getByTestId("rf__node-pool:Vault")).toBeFocused();
  await page.getByRole("button", { name: "Fit View" }).click();
  await page.screenshot({ path: "test-results/builder-chain.png", fullPage: true });

  await page.getByRole("button", { name: "Apply chain" }).click();
  await expect(page.getByText(/Applied: created Pool Vault, Job CopyToVault; updated nothing/)).toBeVisible();
  const jobs = await (await page.request.get("/api/jobs?q=CopyToVault")).json();
  expect(jobs.items[0]).toMatchObject({ name: "CopyToVault", type: "Copy", selectionType: "PoolUncopiedJobs" });
});

test("the standby replication page previews the Admin Job and the script it calls", async ({ page }) => {
  await logIn(page, ADMIN.login, ADMIN.password);
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Standby replication" }).click();
  await page.getByLabel("Standby Director").selectOption({ label: "bacula-dir-standby" });
  await expect(page.getByTestId("admin-job")).toContainText("Type = Admin");
  await page.getByLabel("Standby host").fill("10.0.0.9");
  await expect(page.getByTestId("admin-script")).toContainText("DEST_HOST='10.0.0.9'");
  await page.getByLabel("known_hosts path").fill("~/known_hosts");
  await expect(page.locator("#rep-knownHostsPath-error")).toContainText("must be an absolute path");
  await expect(page.getByLabel("known_hosts path")).toHaveAttribute("aria-describedby", /rep-knownHostsPath-error/);
  await page.getByLabel("known_hosts path").fill("/var/lib/bacula/.ssh/known_hosts_b");
  await expect(page.getByTestId("admin-script")).toContainText("KNOWN_HOSTS='/var/lib/bacula/.ssh/known_hosts_b'");
  await page.screenshot({ path: "test-results/builder-standby.png", fullPage: true });
});
