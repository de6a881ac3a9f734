// One task through the whole system from the browser: created on the New task page, its events and the agent's output
// arriving live on the task page while it runs, done, and its patch downloaded and applied with `git am`.
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, inject, it } from "vitest";
import { TaskStatus } from "../src/gen/devserver/tasks/v1/tasks_pb";
import { api, eventsText, expectNoProblems, logInAccepted, patchVerification, screenshot, taskStatusText, terminalText, useBrowser } from "./browser";

const system = inject("system");
const title = "Greet from the browser test";
const browser = useBrowser();

describe("a task", () => {
  it("is created in the UI, shows its events and output live, reaches done, and its patch applies with git am", async () => {
    const { context, page, problems } = await browser.open(true);
    try {
      await logInAccepted(page, system);
      await page.getByRole("link", { name: "+ Add task" }).click();
      await page.getByRole("heading", { name: /New task/ }).waitFor();
      // The repository list is read when the page opens.
      await expect.poll(() => page.getByLabel(/^Repository/).locator("option").allInnerTexts(), { timeout: 20_000 }).toContain(system.repository);
      await page.getByLabel(/^Repository/).selectOption(system.repository);
      await page.getByLabel(/^Title/).fill(title);
      await page.getByLabel(/^Description/).fill("Write a greeting file for this task.");
      await page.getByLabel(/^Acceptance/).fill("greeting-<id>.txt exists.");
      await page.getByLabel(/^Vendor/).fill("script");
      await page.getByRole("radio", { name: "enqueue now" }).check();
      await screenshot(page, system, "new-task");
      await page.getByRole("button", { name: "Create task" }).click();

      // The app opens the new task's page: #/tasks/<id>.
      await page.waitForURL(/#\/tasks\/\d+$/, { timeout: 30_000 });
      const id = BigInt(/#\/tasks\/(\d+)$/.exec(page.url())![1]!);
      await expect.poll(() => page.getByRole("heading", { level: 1 }).innerText()).toContain(title);

      // Live while running: the agent's first lines and the attempt's start show up while it still waits for us.
      await expect.poll(() => terminalText(page), { timeout: 90_000 }).toContain("e2e agent: waiting for the test");
      const whileWaiting = await api(system).tasks.getTask({ id });
      expect(whileWaiting.task?.status).toBe(TaskStatus.RUNNING);
      expect(await eventsText(page)).toMatch(/attempt/i);
      await screenshot(page, system, "task-running");

      writeFileSync(join(system.gates, `release-${id}`), "");
      await expect.poll(() => terminalText(page), { timeout: 60_000 }).toContain("e2e agent: released");
      // Verification and delivery follow; the status badge in the header turns to done without a reload.
      await expect.poll(() => taskStatusText(page), { timeout: 180_000 }).toBe("done");
      expect(await eventsText(page)).toMatch(/done/);
      // The page was open through verification and delivery: the patch it read then is read again once done.
      await expect.poll(() => patchVerification(page), { timeout: 30_000 }).toBe("verified");
      const done = await api(system).tasks.getTask({ id });
      expect(done.task?.status).toBe(TaskStatus.DONE);
      await screenshot(page, system, "task-done");

      // The patch, as the browser downloads it, applies to a fresh clone of the base commit.
      const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("button", { name: /Download patch/ }).click()]);
      expect(download.suggestedFilename()).toMatch(new RegExp(`^task-${id}-attempt-\\d+\\.mbox$`));
      const work = mkdtempSync(join(tmpdir(), "ds-e2e-am-"));
      try {
        const mbox = join(work, "task.mbox");
        await download.saveAs(mbox);
        const clone = join(work, "clone");
        execFileSync("git", ["clone", "-q", system.repositoryPath, clone]);
        execFileSync("git", ["-C", clone, "checkout", "-q", system.baseCommit]);
        execFileSync("git", ["-C", clone, "-c", "user.email=e2e@devserver.test", "-c", "user.name=E2E", "am", "-q", mbox]);
        const greeting = join(clone, `greeting-${id}.txt`);
        expect(existsSync(greeting)).toBe(true);
        expect(readFileSync(greeting, "utf8")).toBe(`Hello from task ${id}: ${title}\n`);
        const subject = execFileSync("git", ["-C", clone, "log", "-1", "--format=%s"], { encoding: "utf8" });
        expect(subject).toContain(title);
      } finally {
        rmSync(work, { recursive: true, force: true });
      }
      expectNoProblems(problems);
    } finally {
      await context.close();
    }
  });
});
