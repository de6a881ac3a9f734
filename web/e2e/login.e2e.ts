// Logging in: a wrong token is refused in words, the right one opens the dashboard with the workers online.
import { describe, expect, inject, it } from "vitest";
import { expectNoProblems, logIn, screenshot, useBrowser } from "./browser";

const system = inject("system");
const browser = useBrowser();

describe("login", () => {
  it("refuses a wrong token with a clear error and stays on the login page", async () => {
    const { context, page } = await browser.open();
    try {
      await logIn(page, system, "not-the-admin-token");

      const alert = page.getByRole("alert");
      await expect.poll(() => alert.textContent(), { timeout: 20_000 }).toMatch(/refused the token/);
      expect(await page.getByLabel("Admin token").isVisible()).toBe(true);
      await screenshot(page, system, "login-refused");
    } finally {
      await context.close();
    }
  });

  it("accepts the admin token and shows the dashboard with both workers online", async () => {
    const { context, page, problems } = await browser.open();
    try {
      await page.goto(system.webUrl);
      await screenshot(page, system, "login");
      await logIn(page, system);

      await page.getByRole("heading", { name: "Dashboard" }).waitFor();
      const workers = page.getByRole("region", { name: "workers" });
      await expect.poll(() => workers.textContent(), { timeout: 60_000 }).toMatch(/script[\s\S]*online/);
      const text = (await workers.textContent()) ?? "";
      expect(text).toMatch(/verifier/);
      expect(text).not.toMatch(/offline/);
      await screenshot(page, system, "dashboard");
      expectNoProblems(problems);
    } finally {
      await context.close();
    }
  });
});
