/**
 * The Import page as an operator uses it: a config directory picked in the browser (a main
 * bacula-dir.conf, a conf.d/ the main file pulls in with the usual piped include, a top-level file
 * it includes, a README nothing reads), a wrong host directory refused under its field, a dry run
 * that lists what would be created and writes nothing, the import of exactly that (a file edited on
 * disk after the dry run does not change it), and a second dry run that finds nothing left to change.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect, test } from "@playwright/test";
import { ADMIN, logIn } from "./helpers";

const NAME = "e2e-imported";
let dir = "";

test.beforeAll(() => {
  dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "bhd-e2e-import-")), "bacula");
  fs.mkdirSync(path.join(dir, "conf.d"), { recursive: true });
  fs.writeFileSync(
    path.join(dir, "bacula-dir.conf"),
    `Director {\n  Name = ${NAME}-dir\n  QueryFile = "/etc/bacula/scripts/query.sql"\n  WorkingDirectory = /var/lib/bacula\n  PidDirectory = /run/bacula\n  Password = "e2e-console-secret"\n  Messages = Daemon\n}\n` +
      `Messages {\n  Name = Daemon\n  console = all\n}\nCatalog {\n  Name = MyCatalog\n  dbname = bacula; dbuser = bacula; dbpassword = ""\n}\n` +
      `@/srv/e2e/bacula/storage.conf  # the SD\n@|"sh -c 'for f in /srv/e2e/bacula/conf.d/*.conf ; do echo @$\{f} ; done'"\n`,
  );
  fs.writeFileSync(path.join(dir, "storage.conf"), `Storage {\n  Name = ${NAME}-File\n  Address = sd.e2e.example\n  Password = "e2e-sd-secret"\n  Device = FileStorage\n  Media Type = File\n}\n`);
  fs.writeFileSync(path.join(dir, "conf.d", "client.conf"), `Client {\n  Name = ${NAME}-fd\n  Address = fd.e2e.example\n  Password = "e2e-fd-secret"\n  Catalog = MyCatalog\n}\n`);
  fs.writeFileSync(
    path.join(dir, "conf.d", "job.conf"),
    `Pool {\n  Name = ${NAME}-Pool\n  Pool Type = Backup\n}\nFileSet {\n  Name = ${NAME}-Set\n  Include {\n    File = /etc\n  }\n}\nJob {\n  Name = ${NAME}-Job\n  Type = Backup\n  Client = ${NAME}-fd\n  FileSet = ${NAME}-Set\n  Pool = ${NAME}-Pool\n  Storage = ${NAME}-File\n  Messages = Daemon\n}\n`,
  );
  fs.writeFileSync(path.join(dir, "conf.d", "README"), "kept beside the configs\n");
});

test.afterAll(() => {
  if (dir) fs.rmSync(path.dirname(dir), { recursive: true, force: true });
});

test("an operator uploads a config directory, reads the dry run, imports it, and a second dry run has nothing to change", async ({ page }) => {
  await logIn(page, ADMIN.login, ADMIN.password);
  await page.getByRole("link", { name: "Import configs" }).click();
  await expect(page.getByRole("heading", { name: "Import configs" })).toBeVisible();

  await page.getByLabel("Config directory").setInputFiles(dir);
  const files = page.getByRole("group", { name: "Files to import" });
  await expect(files.getByRole("checkbox", { name: /^bacula-dir\.conf/ })).toBeChecked();
  await expect(files.getByRole("checkbox", { name: /^storage\.conf/ })).toBeChecked();
  await expect(files.getByRole("checkbox", { name: /^conf\.d\/job\.conf/ })).not.toBeChecked();

  // A host directory that is not absolute: refused under its field, by its label.
  const root = page.getByLabel("Directory on the host");
  await root.fill("srv/e2e/bacula");
  await page.getByRole("button", { name: "Dry run" }).click();
  await expect(page.locator("#import-root-error")).toHaveText(/Directory on the host: must be an absolute path/);
  await expect(root).toHaveAttribute("aria-invalid", "true");

  await root.fill("/srv/e2e/bacula");
  const before = await (await page.request.get(`/api/directors?q=${NAME}`)).json();
  expect(before.items).toEqual([]);
  await page.getByRole("button", { name: "Dry run" }).click();
  const summary = page.getByTestId("dry-run-summary");
  await expect(summary).toContainText("to create");
  await expect(summary).not.toContainText("error");
  const dry = page.getByRole("table", { name: "Files read as configs" });
  await expect(dry.getByRole("row", { name: /\/srv\/e2e\/bacula\/bacula-dir\.conf Director/ })).toBeVisible();
  await expect(dry.getByRole("row", { name: /\/srv\/e2e\/bacula\/storage\.conf included by \/srv\/e2e\/bacula\/bacula-dir\.conf/ })).toBeVisible();
  await expect(dry.getByRole("row", { name: /conf\.d\/README not read/ })).toBeVisible();
  await expect(page.getByRole("table", { name: "Changes by kind" }).getByRole("row", { name: /^jobs 1 0 0$/ })).toBeVisible();
  // A dry run writes nothing.
  expect((await (await page.request.get(`/api/directors?q=${NAME}`)).json()).items).toEqual([]);
  await expect(page.getByText("e2e-console-secret")).toHaveCount(0);

  await page.getByText(/^Each change/).click();
  await expect(page.getByRole("list", { name: "Each change" })).toContainText(`+ jobs ${NAME}-Job`);
  // A file edited on disk after the dry run: what is imported is what the dry run read.
  fs.appendFileSync(path.join(dir, "conf.d", "job.conf"), `Pool {\n  Name = ${NAME}-NotShown\n  Pool Type = Backup\n}\n`);

  const importButton = page.getByRole("button", { name: /^Import \d+ changes$/ });
  await importButton.click();
  await expect(page.getByRole("status").filter({ hasText: "Imported:" })).toContainText(/created, 0 updated, 0 removed \(model revision \d+\)/);
  const after = (await (await page.request.get(`/api/directors?q=${NAME}`)).json()) as { items: { name: string }[] };
  expect(after.items.map((d) => d.name)).toEqual([`${NAME}-dir`]);
  const jobs = (await (await page.request.get(`/api/jobs?q=${NAME}`)).json()) as { items: { name: string }[] };
  expect(jobs.items.map((j) => j.name)).toEqual([`${NAME}-Job`]);
  expect((await (await page.request.get(`/api/pools?q=${NAME}-NotShown`)).json()).items).toEqual([]);

  // The same directory again: nothing to change, nothing to import.
  await page.getByRole("button", { name: "Dry run" }).click();
  await expect(summary).toContainText("0 to create, 0 to update, 0 to remove");
  await expect(summary).toContainText("the model already holds these files");
  await expect(page.getByRole("button", { name: /^Import/ })).toBeDisabled();
});
