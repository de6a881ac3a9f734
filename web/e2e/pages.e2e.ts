// Every page of the dashboard, opened as a person would (the navigation bar where it links them): each shows its
// heading and its data without an error banner, a console error or a Content-Security-Policy violation, and leaves a
// screenshot in artifacts/e2e/screenshots/<page>.png.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { TaskStatus } from "../src/gen/devserver/tasks/v1/tasks_pb";
import { api, expectNoProblems, launchBrowser, logInAccepted, openPage, patchVerification, screenshot, taskStatusText, terminalText, until } from "./browser";

const system = inject("system");
const title = "A task for the page tour";
let browser: Browser;
let taskId = 0n;

beforeAll(async () => {
  browser = await launchBrowser();
  // A finished task, so the lists, the task page and the analytics have something to show.
  const { tasks } = api(system);
  const created = await tasks.createTask({ repository: system.repository, title, description: "Tour the pages.", vendor: "script", enqueue: true });
  taskId = created.task!.id;
  writeFileSync(join(system.gates, `release-${taskId}`), "");
  await until(async () => (await tasks.getTask({ id: taskId })).task?.status === TaskStatus.DONE, 180_000, `task ${taskId} to be done`);
});

afterAll(async () => {
  await browser?.close();
});

interface Tour {
  name: string;
  /** The link in the navigation bar, or the address when the bar has none. */
  open: { link: string } | { hash: () => string };
  heading: RegExp;
  /** What the page must show once its data arrived. */
  shows: (page: Page) => Promise<void>;
}

const text = (page: Page) => page.locator("main").first().innerText();

const tours: Tour[] = [
  {
    name: "dashboard",
    open: { link: "Dashboard" },
    heading: /^Dashboard$/,
    shows: async (page) => {
      await expect.poll(() => page.getByRole("region", { name: "workers" }).innerText(), { timeout: 30_000 }).toMatch(/online/);
      // The analytics draw their charts from the finished task.
      await page.getByRole("img", { name: /average agent time/ }).waitFor({ timeout: 30_000 });
    },
  },
  {
    name: "tasks",
    open: { link: "Tasks" },
    heading: /^Tasks$/,
    shows: async (page) => {
      await expect.poll(() => text(page), { timeout: 30_000 }).toContain(title);
    },
  },
  {
    name: "task",
    open: { hash: () => `#/tasks/${taskId}` },
    heading: new RegExp(title),
    shows: async (page) => {
      await expect.poll(() => taskStatusText(page), { timeout: 30_000 }).toBe("done");
      await expect.poll(() => patchVerification(page), { timeout: 30_000 }).toBe("verified");
      await expect.poll(() => terminalText(page), { timeout: 30_000 }).toContain("e2e agent: released");
    },
  },
  {
    name: "new-task",
    open: { hash: () => "#/tasks/new" },
    heading: /New task/,
    shows: async (page) => {
      await expect.poll(() => page.getByLabel(/^Repository/).locator("option").allInnerTexts(), { timeout: 30_000 }).toContain(system.repository);
    },
  },
  {
    name: "templates",
    open: { link: "Templates" },
    heading: /^Templates$/,
    shows: async (page) => {
      await page.getByRole("button", { name: "New template" }).waitFor();
    },
  },
  {
    name: "ideas",
    open: { link: "Ideas" },
    heading: /^Ideas$/,
    shows: async (page) => {
      await page.getByRole("heading", { name: "Tree" }).waitFor();
    },
  },
  {
    name: "repositories",
    open: { link: "Repositories" },
    heading: /^Repositories$/,
    shows: async (page) => {
      await expect.poll(() => text(page), { timeout: 30_000 }).toContain(system.repositoryPath);
    },
  },
  {
    name: "logs",
    open: { link: "Logs" },
    heading: /^Logs$/,
    shows: async (page) => {
      // The orchestrator has logged its start-up at least.
      await expect.poll(() => text(page), { timeout: 30_000 }).toMatch(/orchestrator/i);
    },
  },
  {
    name: "settings",
    open: { link: "Settings" },
    heading: /^Settings$/,
    shows: async (page) => {
      await page.getByRole("heading", { name: "Queue and tasks" }).waitFor({ timeout: 30_000 });
    },
  },
];

describe("the page tour", () => {
  it("shows the login page before a token is given", async () => {
    const { context, page, problems } = await openPage(browser);
    try {
      await page.goto(system.webUrl);
      await page.getByLabel("Admin token").waitFor();
      await screenshot(page, system, "login");
      expectNoProblems(problems);
    } finally {
      await context.close();
    }
  });

  it.each(tours)("opens $name", async (tour) => {
    const { context, page, problems } = await openPage(browser);
    try {
      await logInAccepted(page, system);
      if ("link" in tour.open) {
        await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: tour.open.link, exact: true }).click();
      } else {
        await page.goto(`${system.webUrl}${tour.open.hash()}`);
      }

      await page.getByRole("heading", { level: 1, name: tour.heading }).waitFor();
      await tour.shows(page);
      expect(await page.getByRole("alert").allInnerTexts()).toEqual([]);
      await screenshot(page, system, tour.name);
      expectNoProblems(problems);
    } finally {
      await context.close();
    }
  });
});
