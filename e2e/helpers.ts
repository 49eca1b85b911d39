import { expect, type Page } from "@playwright/test";

export const ADMIN = { login: process.env.E2E_ADMIN_LOGIN ?? "admin", password: process.env.E2E_ADMIN_PASSWORD ?? "e2e-admin-password" };

export async function logIn(page: Page, login: string, password: string) {
  await page.goto("/login");
  await page.getByLabel("Login").fill(login);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Log in" }).click();
  await expect(page.getByTestId("current-user")).toHaveText(login);
}

export async function logOut(page: Page) {
  await page.getByRole("button", { name: "Log out" }).click();
  await expect(page).toHaveURL(/\/login$/);
}

/** A form control by its visible label, with or without the required-field star. */
export function field(page: Page, label: string) {
  const escaped = label.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return page.getByLabel(new RegExp(`^${escaped}( \\*)?$`));
}
