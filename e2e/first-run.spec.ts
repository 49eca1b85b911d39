/**
 * What a newcomer meets after `npm run demo`, in the browser, on the app's own server
 * (scripts/serve.mjs, started by scripts/e2e-server.sh with the demo topology): the home page says
 * why the demo catalog members cannot be reached, and the audit log shows the client's address and
 * offers every kind of action it records.
 */
import { expect, test } from "@playwright/test";
import { AUDIT_ACTION_FILTERS } from "../lib/audit/actions";
import { ADMIN, logIn } from "./helpers";

test("home page: a demo member is an example address, said in words beside the health", async ({ page }) => {
  await logIn(page, ADMIN.login, ADMIN.password);
  await page.goto("/");
  const why = page.getByTestId("cluster-why-catalog-main");
  await expect(why).toContainText("demo endpoint — pg-a.example.net:5432 is an example address, not a real server", { timeout: 20_000 });
  await expect(page.getByTestId("cluster-catalog-main").getByTestId("health")).toHaveAttribute("data-health", "critical");

  // The member table of the cluster says the same for each member, standby included.
  await page.getByTestId("cluster-catalog-main").getByRole("link").click();
  await expect(page.getByTestId("member-pg-site-b").getByTestId("member-error")).toContainText("pg-b.example.net:5432 is an example address");
});

test("audit log: the client's address on each event, and a filter of every action kind", async ({ page }) => {
  await logIn(page, ADMIN.login, ADMIN.password);
  await page.goto("/audit");
  const select = page.getByLabel("Action");
  const options = await select.locator("option").allTextContents();
  expect(options).toEqual(["(all)", ...AUDIT_ACTION_FILTERS.map((f) => f.label)]);
  for (const kind of ["deploy", "host_key_pin", "promotion.*", "reattach.*", "director_switch.*"]) {
    expect(options.some((o) => o.startsWith(`${kind} — `)), kind).toBe(true);
  }

  await select.selectOption("login");
  const first = page.locator("tbody tr").first();
  await expect(first.getByTestId("audit-who")).toContainText(ADMIN.login);
  // The browser connected over loopback, with no proxy in front: the server recorded its peer.
  await expect(first.getByTestId("audit-ip")).toHaveText(/^\s*\(127\.0\.0\.1\)$/);
  await expect(page.locator("tbody tr").filter({ hasNotText: "login" })).toHaveCount(0);
});
