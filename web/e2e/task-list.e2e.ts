// The Tasks page when a live re-read fails, in a real browser against the real system: the page shows its rows, a
// task is created (the shared event stream tells the page, which reads its page again), and that one ListTasks call
// fails on the network: the page talks to the orchestrator through a TCP relay (browser.ts startRelay) that resets
// the connection carrying it, while the event and queue streams stay live and the orchestrator keeps running. The
// rows on screen must stay (views/taskList.ts readFailed), the error banner says what failed, a status message says
// the rows may be out of date; the next change, and later "Read again", read the page once more and show what was
// missed.
import type { Page } from "playwright-core";
import { describe, expect, inject, it } from "vitest";
import { api, expectNoProblems, liveState, logInAccepted, screenshot, startRelay, useBrowser } from "./browser";

const system = inject("system");
const browser = useBrowser();

const LIST_TASKS = "/devserver.tasks.v1.TaskService/ListTasks";

/** How many rows of the task table show `title`. */
function rowsWith(page: Page, title: string): Promise<number> {
  return page.getByRole("row").filter({ hasText: title }).count();
}

function alertText(page: Page): Promise<string> {
  return page
    .getByRole("alert")
    .allInnerTexts()
    .then((texts) => texts.join("\n"));
}

function statusText(page: Page): Promise<string> {
  return page
    .getByRole("status")
    .allInnerTexts()
    .then((texts) => texts.join("\n"));
}

describe("the task list when a live re-read fails", () => {
  it("keeps its rows and says they may be out of date, then shows what it missed once a read succeeds", async () => {
    const { context, page, problems } = await browser.open();
    const { tasks } = api(system);
    const relay = await startRelay(system.webUrl);
    const run = Date.now().toString(36);
    const title = (what: string) => `${what} ${run}`;
    const created: bigint[] = [];
    // Left pending (enqueue false, whatever the auto-enqueue setting): no agent runs for them.
    const create = async (what: string) => {
      const task = (await tasks.createTask({ repository: system.repository, title: title(what), vendor: "script", enqueue: false })).task!;
      created.push(task.id);
    };
    try {
      await create("Shown before the failure");
      await logInAccepted(page, { ...system, webUrl: relay.url });
      await page.goto(`${relay.url}#/tasks`);
      await expect.poll(() => rowsWith(page, title("Shown before the failure")), { timeout: 30_000 }).toBe(1);
      await expect.poll(() => liveState(page), { timeout: 30_000 }).toBe("live");
      expect(await statusText(page)).toBe("");

      // The next re-read fails: a task is created, the page hears of it and reads its page again through the relay.
      relay.refuse(LIST_TASKS);
      await create("Missed while failing");
      await expect.poll(() => relay.refused(), { timeout: 30_000 }).toBeGreaterThan(0);
      await expect.poll(() => alertText(page), { timeout: 30_000 }).toContain("cannot reach the orchestrator");
      // The rows stay (readFailed's keep-rows rule): the table is not emptied by one failed refresh.
      expect(await rowsWith(page, title("Shown before the failure")), "the rows shown before the failed re-read").toBe(1);
      expect(await rowsWith(page, title("Missed while failing"))).toBe(0);
      await expect.poll(() => statusText(page), { timeout: 10_000 }).toContain("These rows may be out of date");
      await expect.poll(() => liveState(page)).toBe("live");
      await screenshot(page, system, "tasks-stale-rows");

      // Recovery by the next change: another task is created and this read gets through.
      relay.allow();
      await create("Created after the failure");
      await expect.poll(() => rowsWith(page, title("Created after the failure")), { timeout: 30_000 }).toBe(1);
      expect(await rowsWith(page, title("Missed while failing"))).toBe(1);
      expect(await rowsWith(page, title("Shown before the failure"))).toBe(1);
      await expect.poll(() => statusText(page), { timeout: 10_000 }).toBe("");
      expect(await alertText(page)).toBe("");

      // Recovery on request: fail again, then "Read again" with the network back, before any other change.
      relay.refuse(LIST_TASKS);
      const refusedBefore = relay.refused();
      await create("Missed again");
      await expect.poll(() => relay.refused(), { timeout: 30_000 }).toBeGreaterThan(refusedBefore);
      await expect.poll(() => statusText(page), { timeout: 30_000 }).toContain("These rows may be out of date");
      expect(await rowsWith(page, title("Created after the failure"))).toBe(1);
      expect(await rowsWith(page, title("Missed again"))).toBe(0);
      relay.allow();
      // Nothing reads on its own without a change (longer than the refresh's longest wait): the button does.
      await page.waitForTimeout(2_500);
      expect(await rowsWith(page, title("Missed again"))).toBe(0);
      await page.getByRole("button", { name: "Read again" }).click();
      await expect.poll(() => rowsWith(page, title("Missed again")), { timeout: 30_000 }).toBe(1);
      await expect.poll(() => statusText(page), { timeout: 10_000 }).toBe("");
      expect(await alertText(page)).toBe("");
      await screenshot(page, system, "tasks-stale-rows-recovered");

      // The browser's own reports of the reset requests are expected; nothing else is.
      expectNoProblems(problems.filter((p) => !/net::ERR_/.test(p)));
    } finally {
      await context.close();
      await relay.close();
      // Pending tasks of this file only: other files count and list theirs.
      for (const id of created) {
        await tasks.deleteTask({ id }).catch(() => undefined);
      }
    }
  });
});
