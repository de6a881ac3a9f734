// Debian's Firefox ESR driven by puppeteer-core over WebDriver BiDi (no downloaded browser), and the few page steps the
// Firefox scenario needs. Playwright stays for Chromium: its Firefox-over-BiDi mode cannot open a context in ESR 153
// (`emulation.setMediaFeaturesOverride: unknown command`), while puppeteer's BiDi client drives it as it is.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import puppeteer, { type Browser, type Page } from "puppeteer-core";
import type { SystemInfo } from "./system";

/**
 * Launches /usr/bin/firefox-esr (or $FIREFOX) headless with a fresh profile that puppeteer deletes on close; puppeteer's
 * profile already turns off updates, telemetry and safe browsing (what Chromium's flags in browser.ts do there).
 */
export function launchFirefox(): Promise<Browser> {
  return puppeteer.launch({
    browser: "firefox",
    executablePath: process.env.FIREFOX ?? "/usr/bin/firefox-esr",
    headless: true,
    timeout: 60_000,
  });
}

/**
 * A page in its own browser context that records what Firefox complained about: console errors, uncaught exceptions and
 * Content-Security-Policy violations, as browser.ts's openPage does for Chromium.
 */
export async function openFirefoxPage(browser: Browser): Promise<{ page: Page; problems: string[]; close: () => Promise<void> }> {
  const context = await browser.createBrowserContext();
  const page = await context.newPage();
  await page.setViewport({ width: 1400, height: 900 });
  page.setDefaultTimeout(30_000);
  const problems: string[] = [];
  page.on("pageerror", (error) => problems.push(`uncaught: ${error instanceof Error ? error.message : String(error)}`));
  page.on("console", (message) => {
    if (message.type() === "error") {
      problems.push(`console: ${message.text()}`);
    }
  });
  // A violation becomes a console error the listener above records (the same hook as browser.ts's).
  await page.evaluateOnNewDocument(() => {
    document.addEventListener("securitypolicyviolation", (e) => console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI}`));
  });
  return { page, problems, close: () => context.close() };
}

/** An element by its accessible role and, if given, exact name (Firefox's accessibility tree, through BiDi's locateNodes). */
export function byRole(role: string, name?: string): string {
  return name === undefined ? `::-p-aria([role="${role}"])` : `::-p-aria([role="${role}"][name="${name}"])`;
}

/** An element by the app's stable test hook. */
export function byTestId(id: string): string {
  return `[data-testid="${id}"]`;
}

/** The first match's rendered text, or "" while there is none (for polling). */
export async function textOf(page: Page, selector: string): Promise<string> {
  const element = await page.$(selector);
  if (element === null) {
    return "";
  }
  try {
    return await element.evaluate((e) => (e as HTMLElement).innerText);
  } finally {
    await element.dispose();
  }
}

/** The words of the page's live indicators that say a stream has not been answered yet ("● connecting…", "● reconnecting in 3 s"). */
export async function streamsNotLive(page: Page): Promise<string[]> {
  return (await textOf(page, "body")).match(/● (connecting…|reconnecting in \d+ s)/g) ?? [];
}

/** Every error banner's text (role=alert) on the page. */
export async function alertTexts(page: Page): Promise<string[]> {
  const alerts = await page.$$(byRole("alert"));
  return Promise.all(alerts.map((alert) => alert.evaluate((e) => (e as HTMLElement).innerText)));
}

/** Opens the dashboard, logs in with the admin token the way a person pastes it, and waits for the navigation. */
export async function logInFirefox(page: Page, system: SystemInfo): Promise<void> {
  await page.goto(system.webUrl);
  // Typed into the field's handle: Locator.fill never finds an element located through the accessibility tree in Firefox
  // (it times out where a CSS-located one fills at once).
  const field = await page.waitForSelector("::-p-aria(Admin token)");
  await field!.type(system.adminToken);
  await field!.dispose();
  await page.locator(byRole("button", "Log in")).click();
  await page.waitForSelector(byRole("button", "Log out"));
}

/** Writes a full-page screenshot to artifacts/e2e/screenshots/firefox-<name>.png (beside Chromium's <name>.png). */
export async function firefoxScreenshot(page: Page, system: SystemInfo, name: string): Promise<string> {
  const folder = join(system.artifacts, "screenshots");
  mkdirSync(folder, { recursive: true });
  const path = join(folder, `firefox-${name}.png`) as `${string}.png`;
  await page.screenshot({ path, fullPage: true });
  return path;
}
