// Every page of the dashboard, opened as a person would (the navigation bar where it links them): each shows its
// heading and its data without an error banner, a console error or a Content-Security-Policy violation, and leaves a
// screenshot in artifacts/e2e/screenshots/<page>.png. Each is opened again on laptop screens (1366×768, 1280×720):
// the document must not scroll sideways there (<page>-1280.png). The task list follows changes without a reload.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { TaskStatus } from "../src/gen/devserver/tasks/v1/tasks_pb";
import {
  api,
  DESKTOP,
  documentWidth,
  expectNoProblems,
  LAPTOPS,
  logInAccepted,
  patchVerification,
  screenshot,
  taskStatusText,
  terminalText,
  until,
  useBrowser,
  type Viewport,
} from "./browser";

const system = inject("system");
const title = "A task for the page tour";
const browser = useBrowser();
let taskId = 0n;

/** The analytics charts the dashboard draws from a finished script task (a zero cost still has a vendor line). */
const CHARTS = [/average agent time per finished task/, /average turns per finished task/, /cost per vendor per day/];

beforeAll(async () => {
  // A finished task, so the lists, the task page and the analytics have something to show.
  const { tasks } = api(system);
  const created = await tasks.createTask({ repository: system.repository, title, description: "Tour the pages.", vendor: "script", enqueue: true });
  taskId = created.task!.id;
  writeFileSync(join(system.gates, `release-${taskId}`), "");
  await until(async () => (await tasks.getTask({ id: taskId })).task?.status === TaskStatus.DONE, 180_000, `task ${taskId} to be done`);
  // A worker's own warning for the Logs page (workers forward warnings and above): the script sidecar cannot prepare
  // a worktree on a branch the repository lacks, says so in its log, and the task is blocked at once.
  const blocked = await tasks.createTask({ repository: system.repository, title: "No such branch", vendor: "script", baseBranch: "no-such-branch", enqueue: true });
  await until(async () => (await tasks.getTask({ id: blocked.task!.id })).task?.status === TaskStatus.BLOCKED, 120_000, "the task on a missing branch to be blocked");
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
      // The analytics draw their charts from the finished task: each canvas says when Chart.js has drawn on it.
      for (const name of CHARTS) {
        await expect.poll(() => page.getByRole("img", { name }).getAttribute("data-rendered"), { timeout: 30_000 }).toBe("true");
      }
      expect(await text(page)).not.toMatch(/could not be loaded/);
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
      // Rows, not the source filter's buttons: the orchestrator's own entries (its start-up at least) and a worker's,
      // forwarded over the mesh (the warning of the task on a missing branch).
      const rows = (source: string) => page.locator(`[data-testid="log-row"][data-source^="${source}"]`);
      await rows("orchestrator ").first().waitFor({ timeout: 30_000 });
      // The source filter shows the workers' rows only (in "all" a worker's row may be scrolled out of the window).
      await page.getByRole("button", { name: "workers", exact: true }).click();
      // The list starts over with the new filter: first the orchestrator's rows go, then the worker's arrive.
      await expect.poll(() => rows("orchestrator ").count(), { timeout: 30_000 }).toBe(0);
      await rows("worker ").filter({ hasText: "no branch 'no-such-branch'" }).first().waitFor({ timeout: 30_000 });
      expect(await rows("orchestrator ").count()).toBe(0);
      await page.getByRole("button", { name: "all", exact: true }).click();
      await rows("orchestrator ").first().waitFor({ timeout: 30_000 });
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
  it.each([DESKTOP, ...LAPTOPS])("shows the login page before a token is given at $width×$height", async (viewport) => {
    const { context, page, problems } = await browser.open(false, viewport);
    try {
      await page.goto(system.webUrl);
      await page.getByLabel("Admin token").waitFor();
      const { scrollWidth, innerWidth } = await documentWidth(page);
      expect(scrollWidth).toBeLessThanOrEqual(innerWidth + 1);
      if (viewport === DESKTOP || viewport.width === 1280) {
        await screenshot(page, system, viewport === DESKTOP ? "login" : "login-1280");
      }
      expectNoProblems(problems);
    } finally {
      await context.close();
    }
  });

  const sizes: Array<Tour & { viewport: Viewport; size: string }> = tours.flatMap((tour) =>
    [DESKTOP, ...LAPTOPS].map((viewport) => ({ ...tour, viewport, size: `${viewport.width}×${viewport.height}` })),
  );

  it.each(sizes)("opens $name at $size", async (tour) => {
    const { context, page, problems } = await browser.open(false, tour.viewport);
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
      if (tour.viewport === DESKTOP) {
        await screenshot(page, system, tour.name);
      } else {
        // Laptop screens: nothing sticks out sideways (one pixel of rounding allowed).
        const { scrollWidth, innerWidth } = await documentWidth(page);
        expect(scrollWidth, `${tour.name} is ${scrollWidth} px wide in a ${innerWidth} px window`).toBeLessThanOrEqual(innerWidth + 1);
        if (tour.viewport.width === 1280) {
          await screenshot(page, system, `${tour.name}-1280`);
        }
      }
      expectNoProblems(problems);
    } finally {
      await context.close();
    }
  });

  it("shows a task created through the API in the task list without a reload, and drops it when deleted", async () => {
    const { context, page, problems } = await browser.open();
    const { tasks } = api(system);
    try {
      await logInAccepted(page, system);
      await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Tasks", exact: true }).click();
      await expect.poll(() => text(page), { timeout: 30_000 }).toContain(title);
      // A mark a reload would wipe out.
      await page.evaluate(() => Object.assign(window, { stillTheSamePage: true }));

      const live = "Appears in the list on its own";
      const created = await tasks.createTask({ repository: system.repository, title: live, vendor: "script", enqueue: false });
      await expect.poll(() => text(page), { timeout: 15_000 }).toContain(live);
      await tasks.deleteTask({ id: created.task!.id });
      await expect.poll(() => text(page), { timeout: 15_000 }).not.toContain(live);

      expect(await page.evaluate(() => (window as unknown as { stillTheSamePage?: boolean }).stillTheSamePage)).toBe(true);
      expectNoProblems(problems);
    } finally {
      await context.close();
    }
  });
});
