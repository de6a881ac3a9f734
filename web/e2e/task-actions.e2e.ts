// The buttons in the task page's header, clicked in a browser: a pending task enqueued, its running agent cancelled,
// the cancelled task retried and cancelled again, retired and brought back, and deleted (after a dismissed
// confirmation that must leave it alone); a blocked task retried. Each click is checked through the API, and the page
// follows the new state on its own (a mark set in the window shows it was never reloaded).
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { Code, ConnectError } from "@connectrpc/connect";
import type { Page } from "playwright-core";
import { afterAll, describe, expect, inject, it } from "vitest";
import { RunOutcome, TaskStatus } from "../src/gen/devserver/tasks/v1/tasks_pb";
import { api, eventsText, expectNoProblems, logInAccepted, screenshot, taskStatusText, terminalText, useBrowser } from "./browser";

const system = inject("system");
const browser = useBrowser();
/** Tasks a scenario left behind if it failed half-way: cancelled and released so they do not hold a worker. */
const made: bigint[] = [];

afterAll(async () => {
  const { tasks } = api(system);
  for (const id of made) {
    writeFileSync(join(system.gates, `release-${id}`), "");
    await tasks.cancelTask({ id, reason: "e2e clean-up" }).catch(() => undefined);
  }
});

/** The header's action buttons, as the person reads them (their labels spelled out here, not taken from the app). */
const ACTIONS = ["Enqueue", "Cancel", "Retry", "Retire", "Bring back", "Delete…"] as const;

async function offered(page: Page): Promise<string[]> {
  const shown: string[] = [];
  for (const name of ACTIONS) {
    if ((await page.getByRole("button", { name, exact: true }).count()) > 0) {
      shown.push(name);
    }
  }
  return shown;
}

const click = (page: Page, name: (typeof ACTIONS)[number]) => page.getByRole("button", { name, exact: true }).click();

function markWindow(page: Page): Promise<void> {
  return page.evaluate(() => void Object.assign(window, { stillTheSamePage: true }));
}

function stillTheSamePage(page: Page): Promise<boolean | undefined> {
  return page.evaluate(() => (window as unknown as { stillTheSamePage?: boolean }).stillTheSamePage);
}

function occurrences(text: string, line: string): number {
  return text.split(line).length - 1;
}

describe("the task page's actions", () => {
  it("enqueues a pending task, cancels it while it runs, retries it, retires it, brings it back and deletes it", async () => {
    const { context, page, problems } = await browser.open();
    const { tasks } = api(system);
    try {
      const created = await tasks.createTask({ repository: system.repository, title: "Clicked through its actions", vendor: "script", enqueue: false });
      const id = created.task!.id;
      made.push(id);
      await logInAccepted(page, system);
      await page.goto(`${system.webUrl}#/tasks/${id}`);
      await expect.poll(() => taskStatusText(page), { timeout: 30_000 }).toBe("pending");
      expect(await offered(page)).toEqual(["Enqueue", "Delete…"]);
      await markWindow(page);

      // Enqueue: dispatched at once, the agent starts and waits for its gate; its output arrives on the page.
      await click(page, "Enqueue");
      await expect.poll(async () => (await tasks.getTask({ id })).task?.status, { timeout: 30_000 }).not.toBe(TaskStatus.PENDING);
      await expect.poll(() => terminalText(page), { timeout: 90_000 }).toContain("e2e agent: waiting for the test");
      expect((await tasks.getTask({ id })).task?.status).toBe(TaskStatus.RUNNING);
      await expect.poll(() => taskStatusText(page), { timeout: 15_000 }).toBe("running");
      expect(await offered(page)).toEqual(["Cancel"]);
      // Settings cannot change while it runs: the sidebar says so instead of offering a form the server would refuse.
      expect(await page.getByRole("button", { name: "Edit settings" }).isDisabled()).toBe(true);

      // Cancel: the orchestrator stops the agent; the attempt ends cancelled.
      await click(page, "Cancel");
      await expect.poll(async () => (await tasks.getTask({ id })).task?.status, { timeout: 30_000 }).toBe(TaskStatus.CANCELLED);
      await expect.poll(() => taskStatusText(page), { timeout: 15_000 }).toBe("cancelled");
      await expect.poll(() => offered(page), { timeout: 15_000 }).toEqual(["Retry", "Retire", "Delete…"]);
      await expect.poll(() => eventsText(page), { timeout: 15_000 }).toMatch(/cancel/i);
      await expect.poll(async () => (await tasks.getTask({ id })).runs.map((r) => r.outcome), { timeout: 30_000 }).toEqual([RunOutcome.CANCELLED]);
      await screenshot(page, system, "task-cancelled");

      // Retry: a fresh attempt runs (the page hears its start and the agent's output a second time), then is cancelled.
      await click(page, "Retry");
      await expect.poll(async () => (await tasks.getTask({ id })).runs.length, { timeout: 90_000 }).toBe(2);
      await expect.poll(() => taskStatusText(page), { timeout: 30_000 }).toBe("running");
      await expect.poll(async () => occurrences(await terminalText(page), "e2e agent: waiting for the test"), { timeout: 60_000 }).toBe(2);
      expect((await tasks.getTask({ id })).task?.status).toBe(TaskStatus.RUNNING);
      await expect.poll(() => page.getByRole("row", { name: /^#2\b/ }).count(), { timeout: 15_000 }).toBe(1);
      await click(page, "Cancel");
      await expect.poll(async () => (await tasks.getTask({ id })).task?.status, { timeout: 30_000 }).toBe(TaskStatus.CANCELLED);
      await expect.poll(() => taskStatusText(page), { timeout: 15_000 }).toBe("cancelled");

      // Retire, and bring back.
      await click(page, "Retire");
      await expect.poll(async () => (await tasks.getTask({ id })).task?.retiredAt, { timeout: 15_000 }).toBeDefined();
      await expect.poll(() => offered(page), { timeout: 15_000 }).toEqual(["Retry", "Bring back", "Delete…"]);
      await page.getByText(/^retired /).waitFor();
      await click(page, "Bring back");
      await expect.poll(async () => (await tasks.getTask({ id })).task?.retiredAt, { timeout: 15_000 }).toBeUndefined();
      await expect.poll(() => offered(page), { timeout: 15_000 }).toEqual(["Retry", "Retire", "Delete…"]);
      expect(await page.getByText(/^retired /).count()).toBe(0);
      expect(await stillTheSamePage(page)).toBe(true);

      // Delete: declining the confirmation keeps the task; accepting it deletes it and opens the task list.
      const questions: string[] = [];
      page.once("dialog", (dialog) => {
        questions.push(dialog.message());
        void dialog.dismiss();
      });
      await click(page, "Delete…");
      await expect.poll(() => questions.length).toBe(1);
      expect(questions[0]).toContain(`#${id}`);
      expect((await tasks.getTask({ id })).task?.status).toBe(TaskStatus.CANCELLED);
      expect(page.url()).toMatch(new RegExp(`#/tasks/${id}$`));
      page.once("dialog", (dialog) => void dialog.accept());
      await click(page, "Delete…");
      await page.waitForURL(/#\/tasks$/, { timeout: 15_000 });
      await page.getByRole("heading", { level: 1, name: /^Tasks$/ }).waitFor();
      const gone = await tasks.getTask({ id }).then(
        () => undefined,
        (err: unknown) => ConnectError.from(err).code,
      );
      expect(gone).toBe(Code.NotFound);
      expect(await page.getByRole("alert").allInnerTexts()).toEqual([]);
      expectNoProblems(problems);
    } finally {
      await context.close();
    }
  });

  it("retries a blocked task: a new attempt shows in its run history without a reload", async () => {
    const { context, page, problems } = await browser.open();
    const { tasks } = api(system);
    try {
      // The script sidecar cannot prepare a worktree on a branch the repository lacks: blocked at once.
      const created = await tasks.createTask({ repository: system.repository, title: "Blocked, then retried", vendor: "script", baseBranch: "no-such-branch", enqueue: true });
      const id = created.task!.id;
      made.push(id);
      await expect.poll(async () => (await tasks.getTask({ id })).task?.status, { timeout: 60_000, interval: 250 }).toBe(TaskStatus.BLOCKED);
      const attempts = (await tasks.getTask({ id })).runs.length;
      await logInAccepted(page, system);
      await page.goto(`${system.webUrl}#/tasks/${id}`);
      await expect.poll(() => taskStatusText(page), { timeout: 30_000 }).toBe("blocked");
      expect(await offered(page)).toEqual(["Retry", "Retire", "Delete…"]);
      await markWindow(page);

      await click(page, "Retry");
      // Blocked again on the same missing branch, one attempt later: the API and the page's run history agree.
      await expect.poll(async () => (await tasks.getTask({ id })).runs.length, { timeout: 60_000, interval: 250 }).toBe(attempts + 1);
      await expect.poll(async () => (await tasks.getTask({ id })).task?.status, { timeout: 60_000, interval: 250 }).toBe(TaskStatus.BLOCKED);
      await expect.poll(() => page.getByRole("row", { name: new RegExp(`^#${attempts + 1}\\b`) }).count(), { timeout: 15_000 }).toBe(1);
      await expect.poll(() => taskStatusText(page), { timeout: 15_000 }).toBe("blocked");
      expect(await stillTheSamePage(page)).toBe(true);
      await tasks.deleteTask({ id });
      expectNoProblems(problems);
    } finally {
      await context.close();
    }
  });
});
