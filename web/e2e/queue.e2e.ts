// Pausing and resuming the queue from the dashboard, checked against the orchestrator's API; the Settings page
// following a pause and a concurrency change made elsewhere, without a reload.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, inject, it } from "vitest";
import { TaskStatus } from "../src/gen/devserver/tasks/v1/tasks_pb";
import { api, expectNoProblems, logInAccepted, screenshot, useBrowser } from "./browser";

const system = inject("system");
const browser = useBrowser();

afterAll(async () => {
  // Leave the queue dispatching for the files after this one, whatever happened here.
  await api(system).queue.updateQueue({ paused: false });
});

describe("the queue", () => {
  it("pauses and resumes from the dashboard; paused, the orchestrator dispatches nothing", async () => {
    const { context, page, problems } = await browser.open();
    const { queue, tasks } = api(system);
    try {
      expect((await queue.getQueue({})).queue?.paused).toBe(false);
      await logInAccepted(page, system);
      const pause = page.getByRole("button", { name: /^Pause/ });
      const resume = page.getByRole("button", { name: /^Resume/ });
      await expect.poll(() => pause.isEnabled(), { timeout: 20_000 }).toBe(true);

      await pause.click();
      await expect.poll(async () => (await queue.getQueue({})).queue?.paused, { timeout: 20_000 }).toBe(true);
      await expect.poll(() => resume.isEnabled()).toBe(true);
      expect(await pause.isEnabled()).toBe(false);
      await expect.poll(() => page.getByRole("region", { name: "queue" }).innerText()).toMatch(/paused/i);
      await screenshot(page, system, "dashboard-paused");
      // Paused for real: a task enqueued now is not dispatched (dispatch is on demand, so it would start at once).
      const created = await tasks.createTask({ repository: system.repository, title: "Waits for the queue", vendor: "script", enqueue: true });
      const id = created.task!.id;
      writeFileSync(join(system.gates, `release-${id}`), "");
      await new Promise((r) => setTimeout(r, 3_000));
      expect((await tasks.getTask({ id })).task?.status).toBe(TaskStatus.QUEUED);

      await resume.click();
      await expect.poll(async () => (await queue.getQueue({})).queue?.paused, { timeout: 20_000 }).toBe(false);
      await expect.poll(() => pause.isEnabled()).toBe(true);
      await expect.poll(async () => (await tasks.getTask({ id })).task?.status, { timeout: 120_000, interval: 500 }).toBe(TaskStatus.DONE);
      expectNoProblems(problems);
    } finally {
      await context.close();
    }
  });

  it("shows on the Settings page a pause and a concurrency change made elsewhere, without a reload", async () => {
    const { context, page, problems } = await browser.open();
    const { queue } = api(system);
    const before = (await queue.getQueue({})).queue!;
    try {
      await logInAccepted(page, system);
      await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Settings", exact: true }).click();
      const paused = page.getByRole("checkbox", { name: /Queue paused/ });
      const concurrency = page.getByLabel("Max concurrency");
      await expect.poll(() => concurrency.inputValue(), { timeout: 20_000 }).toBe(String(before.maxConcurrency));
      expect(await paused.isChecked()).toBe(false);
      await page.evaluate(() => Object.assign(window, { stillTheSamePage: true }));

      const other = before.maxConcurrency === 3 ? 4 : 3;
      await queue.updateQueue({ paused: true, maxConcurrency: other });
      await expect.poll(() => paused.isChecked(), { timeout: 15_000 }).toBe(true);
      await expect.poll(() => concurrency.inputValue(), { timeout: 15_000 }).toBe(String(other));
      // Nothing to save: the form is the orchestrator's state, not an edit.
      expect(await page.getByRole("button", { name: "Save" }).isEnabled()).toBe(false);
      await screenshot(page, system, "settings-paused-elsewhere");

      await queue.updateQueue({ paused: false, maxConcurrency: before.maxConcurrency });
      await expect.poll(() => paused.isChecked(), { timeout: 15_000 }).toBe(false);
      await expect.poll(() => concurrency.inputValue(), { timeout: 15_000 }).toBe(String(before.maxConcurrency));
      expect(await page.evaluate(() => (window as unknown as { stillTheSamePage?: boolean }).stillTheSamePage)).toBe(true);
      expectNoProblems(problems);
    } finally {
      await queue.updateQueue({ paused: false, maxConcurrency: before.maxConcurrency });
      await context.close();
    }
  });
});
