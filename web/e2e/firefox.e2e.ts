// The dashboard in Firefox ESR (puppeteer-core over WebDriver BiDi) against the same real system as the Chromium
// scenarios: log in, follow a task live over gRPC-Web until done, and open every page from the navigation bar, each
// without an error banner, a console error, an uncaught exception or a Content-Security-Policy violation. The steps
// share one logged-in page and run in order (the tour's task list shows the live step's task); screenshots go to
// artifacts/e2e/screenshots/firefox-<page>.png.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Browser, Page } from "puppeteer-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { TaskStatus } from "../src/gen/devserver/tasks/v1/tasks_pb";
import { api, expectNoProblems } from "./browser";
import { alertTexts, byRole, byTestId, firefoxScreenshot, launchFirefox, logInFirefox, openFirefoxPage, streamsNotLive, textOf } from "./firefox";

const system = inject("system");
const title = "Greet from Firefox";
let browser: Browser;
let page: Page;
let problems: string[];
let closePage: () => Promise<void>;

beforeAll(async () => {
  browser = await launchFirefox();
  ({ page, problems, close: closePage } = await openFirefoxPage(browser));
});

afterAll(async () => {
  await closePage?.();
  await browser?.close();
});

/** Opens an address inside the app (a hash route) the way typing it does, without leaving the logged-in document. */
async function openAddress(hash: string): Promise<void> {
  await page.evaluate((h) => {
    location.hash = h;
  }, hash);
}

interface Tour {
  name: string;
  /** The link in the navigation bar, or the address when the bar has none. */
  open: { link: string } | { hash: string };
  heading: RegExp;
  /** What the page must show once its data arrived over gRPC-Web. */
  shows: () => Promise<void>;
}

const main = () => textOf(page, "main");
const appears = async (selector: string) => void (await page.waitForSelector(selector));
const repositoryOptions = () => page.$$eval("main option", (options) => options.map((o) => o.textContent));

const tours: Tour[] = [
  {
    name: "dashboard",
    open: { link: "Dashboard" },
    heading: /^Dashboard$/,
    shows: () => expect.poll(() => textOf(page, byRole("region", "workers")), { timeout: 30_000 }).toMatch(/online/),
  },
  {
    name: "tasks",
    open: { link: "Tasks" },
    heading: /^Tasks$/,
    shows: () => expect.poll(main, { timeout: 30_000 }).toContain(title),
  },
  {
    name: "new-task",
    open: { hash: "#/tasks/new" },
    heading: /New task/,
    shows: () => expect.poll(repositoryOptions, { timeout: 30_000 }).toContain(system.repository),
  },
  { name: "templates", open: { link: "Templates" }, heading: /^Templates$/, shows: () => appears(byRole("button", "New template")) },
  { name: "ideas", open: { link: "Ideas" }, heading: /^Ideas$/, shows: () => appears(byRole("heading", "Tree")) },
  {
    name: "repositories",
    open: { link: "Repositories" },
    heading: /^Repositories$/,
    shows: () => expect.poll(main, { timeout: 30_000 }).toContain(system.repositoryPath),
  },
  {
    name: "logs",
    open: { link: "Logs" },
    heading: /^Logs$/,
    // The orchestrator has logged its start-up at least.
    shows: () => expect.poll(main, { timeout: 30_000 }).toMatch(/orchestrator/i),
  },
  { name: "settings", open: { link: "Settings" }, heading: /^Settings$/, shows: () => appears(byRole("heading", "Queue and tasks")) },
];

describe("the dashboard in Firefox", () => {
  it("reports console errors, uncaught exceptions and CSP violations to the test", async () => {
    // Without this the "no problems" checks below could pass because Firefox's events never reached us.
    await page.goto(system.webUrl);
    await page.waitForSelector("::-p-aria(Admin token)");
    await page.evaluate(() => {
      console.error("firefox e2e: a console error");
      setTimeout(() => {
        throw new Error("firefox e2e: an uncaught exception");
      });
      // img-src is 'self' data: in the orchestrator's policy.
      const image = document.createElement("img");
      image.src = "http://example.invalid/blocked.png";
      document.body.append(image);
    });
    await expect.poll(() => problems.join("\n"), { timeout: 10_000 }).toMatch(/CSP violation: img-src/);
    await expect.poll(() => problems.join("\n")).toMatch(/uncaught: .*firefox e2e: an uncaught exception/);
    expect(problems.join("\n")).toContain("console: firefox e2e: a console error");
    problems.length = 0;
  });

  it("logs in with the admin token", async () => {
    await page.goto(system.webUrl);
    await firefoxScreenshot(page, system, "login");
    await logInFirefox(page, system);
    expect(await alertTexts(page)).toEqual([]);
    expectNoProblems(problems);
  });

  it("shows a task's output and status live over gRPC-Web until done, without a reload", async () => {
    const { tasks } = api(system);
    const created = await tasks.createTask({ repository: system.repository, title, description: "Write a greeting file.", vendor: "script", enqueue: true });
    const id = created.task!.id;
    await openAddress(`#/tasks/${id}`);
    await expect.poll(() => textOf(page, "h1"), { timeout: 30_000 }).toContain(title);
    // A reload would drop this mark: what follows must arrive over the page's open streams.
    await page.evaluate(() => Object.assign(window, { firefoxE2eMark: true }));

    await expect.poll(() => textOf(page, byTestId("terminal")), { timeout: 90_000 }).toContain("e2e agent: waiting for the test");
    expect((await tasks.getTask({ id })).task?.status).toBe(TaskStatus.RUNNING);
    writeFileSync(join(system.gates, `release-${id}`), "");
    await expect.poll(() => textOf(page, byTestId("terminal")), { timeout: 60_000 }).toContain("e2e agent: released");
    await expect.poll(() => textOf(page, byTestId("task-status")), { timeout: 180_000 }).toBe("done");

    expect(await page.evaluate(() => "firefoxE2eMark" in window)).toBe(true);
    expect(await alertTexts(page)).toEqual([]);
    await firefoxScreenshot(page, system, "task");
    expectNoProblems(problems);
  });

  it.each(tours)("opens $name", async (tour) => {
    if ("link" in tour.open) {
      await page.locator(`${byRole("navigation", "Main")} ${byRole("link", tour.open.link)}`).click();
    } else {
      await openAddress(tour.open.hash);
    }
    await expect.poll(() => textOf(page, "h1"), { timeout: 30_000 }).toMatch(tour.heading);
    await tour.shows();
    // Each of the page's streams over gRPC-Web has been answered (its live indicator no longer says connecting), also
    // the quiet ones: Firefox surfaces a response only with its first message, which the server's caught-up
    // announcement provides (before it, the tab's WatchEvents stream said "connecting…" until the next event).
    await expect.poll(() => streamsNotLive(page), { timeout: 30_000 }).toEqual([]);
    expect(await alertTexts(page)).toEqual([]);
    await firefoxScreenshot(page, system, tour.name);
    expectNoProblems(problems);
  });
});
