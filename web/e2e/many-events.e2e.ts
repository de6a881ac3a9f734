// A task with more than 10 000 events on its page: the timeline is a virtualised list, so the page holds a few dozen
// rows whatever the history's length, follows the newest event, and scrolls to the oldest; the terminal ends with the
// agent's last line.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Locator } from "playwright-core";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { TaskStatus } from "../src/gen/devserver/tasks/v1/tasks_pb";
import { api, expectNoProblems, logInAccepted, screenshot, terminalText, until, useBrowser } from "./browser";

const system = inject("system");
const title = "Ten thousand output lines [10000 lines]";
const LINES = 10_000;
const browser = useBrowser();
let taskId = 0n;

beforeAll(async () => {
  const { tasks } = api(system);
  const created = await tasks.createTask({ repository: system.repository, title, description: "Print a lot.", vendor: "script", enqueue: true });
  taskId = created.task!.id;
  writeFileSync(join(system.gates, `release-${taskId}`), "");
  await until(async () => (await tasks.getTask({ id: taskId })).task?.status === TaskStatus.DONE, 180_000, `task ${taskId} to be done`);
});

/** The sequence numbers of the event rows in the DOM, in order. */
async function renderedSequences(rows: Locator): Promise<number[]> {
  return (await rows.evaluateAll((elements) => elements.map((e) => Number(e.getAttribute("data-sequence"))))).sort((a, b) => a - b);
}

describe("a task with over 10 000 events", () => {
  it("keeps a few dozen rows in the page, follows the newest, scrolls to the oldest, and the terminal ends with the last line", async () => {
    const stored = (await api(system).tasks.getTask({ id: taskId })).task!.lastEventSequence;
    expect(stored).toBeGreaterThan(BigInt(LINES));
    const { context, page, problems } = await browser.open();
    try {
      await logInAccepted(page, system);
      await page.goto(`${system.webUrl}#/tasks/${taskId}`);
      await page.getByLabel("event filter").selectOption("all");
      await expect.poll(() => page.getByText(`Events (${stored})`).count(), { timeout: 60_000 }).toBe(1);

      const rows = page.getByTestId("event-row");
      // Following the history: the newest event is in view, and only the window around it is in the DOM.
      await expect.poll(async () => (await renderedSequences(rows)).at(-1), { timeout: 30_000 }).toBe(Number(stored));
      expect(await rows.count()).toBeLessThan(100);
      await expect.poll(() => terminalText(page), { timeout: 30_000 }).toContain(`e2e agent: line ${LINES}`);
      await screenshot(page, system, "task-10000-events");

      // The oldest events are one scroll away, still with a small DOM.
      await rows.first().evaluate((row) => {
        let list = row.parentElement;
        while (list !== null && list.scrollHeight <= list.clientHeight) {
          list = list.parentElement;
        }
        list!.scrollTop = 0;
      });
      await expect.poll(async () => (await renderedSequences(rows))[0], { timeout: 30_000 }).toBe(1);
      expect(await rows.count()).toBeLessThan(100);
      expectNoProblems(problems);
    } finally {
      await context.close();
    }
  });
});
