// A template made on the Templates page pre-fills the New task form; the task made from it runs to done with its
// patch verified. An existing template is edited (checked through the API and after a reload) and deleted (after a
// declined confirmation that must keep it). And an idea becomes a task with "Convert to task", after which the idea links to it.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { Code, ConnectError } from "@connectrpc/connect";
import type { Page } from "playwright-core";
import { describe, expect, inject, it } from "vitest";
import { TaskStatus } from "../src/gen/devserver/tasks/v1/tasks_pb";
import { api, expectNoProblems, logInAccepted, patchVerification, screenshot, taskStatusText, terminalText, useBrowser } from "./browser";

const system = inject("system");
const browser = useBrowser();

describe("a template", () => {
  it("is created on the Templates page, pre-fills the New task form, and the task made from it reaches done verified", async () => {
    const name = "e2e greeting";
    const description = "Write a greeting file; this text comes from the template.";
    const acceptance = "greeting-<id>.txt exists (from the template).";
    const title = "Greet from a template";
    const { context, page, problems } = await browser.open();
    try {
      await logInAccepted(page, system);
      await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Templates", exact: true }).click();
      await page.getByRole("heading", { level: 1, name: /^Templates$/ }).waitFor();
      await page.getByRole("button", { name: "New template" }).click();
      await page.getByLabel(/^Name/).fill(name);
      await page.getByLabel(/^Repository/).fill(system.repository);
      await page.getByLabel(/^Priority/).selectOption("2");
      await page.getByLabel(/^Labels/).fill("e2e, template");
      await page.getByLabel(/^Description/).fill(description);
      await page.getByLabel(/^Acceptance/).fill(acceptance);
      await page.getByLabel(/^Vendor/).fill("script");
      await page.getByRole("button", { name: "Create template" }).click();
      // The editor closes and the list shows the new template.
      await page.getByRole("button", { name: "Create template" }).waitFor({ state: "detached" });
      await expect.poll(() => page.getByRole("row").allInnerTexts()).toContainEqual(expect.stringContaining(name));
      const stored = (await api(system).templates.listTemplates({})).templates.find((t) => t.name === name);
      expect(stored).toMatchObject({ repository: system.repository, priority: 2, labels: ["e2e", "template"], description, acceptance, vendor: "script" });
      await screenshot(page, system, "template-created");

      // New task, from the Tasks page: choosing the template in the picker fills the form with its fields.
      await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Tasks", exact: true }).click();
      await page.getByRole("heading", { level: 1, name: /^Tasks$/ }).waitFor();
      await page.getByRole("main").getByRole("link", { name: "New task" }).click();
      await page.getByRole("heading", { name: /New task/ }).waitFor();
      await expect.poll(() => page.getByLabel(/^Template/).locator("option").allInnerTexts(), { timeout: 20_000 }).toContain(name);
      await page.getByLabel(/^Template/).selectOption({ label: name });
      expect(await page.getByLabel(/^Repository/).inputValue()).toBe(system.repository);
      expect(await page.getByLabel(/^Description/).inputValue()).toBe(description);
      expect(await page.getByLabel(/^Acceptance/).inputValue()).toBe(acceptance);
      expect(await page.getByLabel(/^Priority/).inputValue()).toBe("2");
      expect(await page.getByLabel(/^Labels/).inputValue()).toBe("e2e, template");
      expect(await page.getByLabel(/^Vendor/).inputValue()).toBe("script");
      await page.getByLabel(/^Title/).fill(title);
      await page.getByRole("radio", { name: "enqueue now" }).check();
      await screenshot(page, system, "new-task-from-template");
      await page.getByRole("button", { name: "Create task" }).click();

      await page.waitForURL(/#\/tasks\/\d+$/, { timeout: 30_000 });
      const id = BigInt(/#\/tasks\/(\d+)$/.exec(page.url())![1]!);
      const created = (await api(system).tasks.getTask({ id })).task;
      expect(created).toMatchObject({ title, description, acceptance, priority: 2, labels: ["e2e", "template"], vendor: "script", repository: system.repository });

      // The agent waits for its gate; the page follows the task to done, and the patch panel says verified.
      await expect.poll(() => terminalText(page), { timeout: 90_000 }).toContain("e2e agent: waiting for the test");
      writeFileSync(join(system.gates, `release-${id}`), "");
      await expect.poll(() => taskStatusText(page), { timeout: 180_000 }).toBe("done");
      await expect.poll(() => patchVerification(page), { timeout: 30_000 }).toBe("verified");
      expect((await api(system).tasks.getTask({ id })).task?.status).toBe(TaskStatus.DONE);
      await screenshot(page, system, "task-from-template-done");
      expect(await page.getByRole("alert").allInnerTexts()).toEqual([]);
      expectNoProblems(problems);
    } finally {
      await context.close();
    }
  });
});

/** The templates table's row whose Name cell is exactly `name`. */
const templateRow = (page: Page, name: string) => page.getByRole("row").filter({ has: page.getByRole("cell", { name, exact: true }) });

describe("an existing template", () => {
  it("is edited on the Templates page, still edited after a reload, and deleted once the confirmation is accepted", async () => {
    const { templates } = api(system);
    const made = await templates.createTemplate({
      template: {
        name: "e2e to edit",
        repository: system.repository,
        priority: 3,
        labels: ["one"],
        description: "Before the edit.",
        vendor: "script",
        turnLimit: { limit: { case: "maxTurns", value: 20 } },
      },
    });
    const id = made.template!.id;
    const edited = "e2e edited";
    const { context, page, problems } = await browser.open();
    try {
      await logInAccepted(page, system);
      await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Templates", exact: true }).click();
      await page.getByRole("heading", { level: 1, name: /^Templates$/ }).waitFor();
      await templateRow(page, "e2e to edit").getByRole("button", { name: "Edit" }).click();
      const form = page.getByRole("region", { name: 'Edit template "e2e to edit"', exact: true });
      // The editor starts from the stored template.
      expect(await form.getByLabel(/^Name/).inputValue()).toBe("e2e to edit");
      expect(await form.getByLabel(/^Priority/).inputValue()).toBe("3");
      expect(await form.getByLabel(/^Description/).inputValue()).toBe("Before the edit.");
      expect(await form.getByRole("combobox", { name: /^Max turns/ }).inputValue()).toBe("20");

      await form.getByLabel(/^Name/).fill(edited);
      await form.getByLabel(/^Priority/).selectOption("1");
      await form.getByLabel(/^Labels/).fill("one, two");
      await form.getByLabel(/^Description/).fill("After the edit.");
      await form.getByLabel(/^Model/).fill("edited-model");
      await form.getByRole("combobox", { name: /^Max turns/ }).selectOption("default");
      await form.getByRole("button", { name: "Save template" }).click();
      await form.waitFor({ state: "detached" });
      await templateRow(page, edited).getByRole("cell", { name: "script/edited-model", exact: true }).waitFor();
      expect(await templateRow(page, "e2e to edit").count()).toBe(0);

      const stored = (await templates.getTemplate({ template: String(id) })).template!;
      expect(stored).toMatchObject({
        name: edited,
        repository: system.repository,
        priority: 1,
        labels: ["one", "two"],
        description: "After the edit.",
        vendor: "script",
        model: "edited-model",
      });
      expect(stored.turnLimit).toBeUndefined();
      expect((await templates.listTemplates({})).templates.filter((t) => t.id === id)).toHaveLength(1);

      await page.reload();
      await page.getByRole("heading", { level: 1, name: /^Templates$/ }).waitFor();
      await templateRow(page, edited).getByRole("cell", { name: "script/edited-model", exact: true }).waitFor();
      await screenshot(page, system, "template-edited");

      // Deleting the template open in the editor: declined, nothing changes; accepted, it goes and so does its editor.
      await templateRow(page, edited).getByRole("button", { name: "Edit" }).click();
      const open = page.getByRole("heading", { level: 2, name: `Edit template "${edited}"`, exact: true });
      await open.waitFor();
      const questions: string[] = [];
      page.once("dialog", (dialog) => {
        questions.push(dialog.message());
        void dialog.dismiss();
      });
      await templateRow(page, edited).getByRole("button", { name: "Delete…" }).click();
      await expect.poll(() => questions).toEqual([`Delete the template "${edited}"? Tasks made from it keep their values.`]);
      expect((await templates.getTemplate({ template: String(id) })).template?.name).toBe(edited);
      expect(await templateRow(page, edited).count()).toBe(1);
      expect(await open.isVisible()).toBe(true);

      page.once("dialog", (dialog) => void dialog.accept());
      await templateRow(page, edited).getByRole("button", { name: "Delete…" }).click();
      await expect.poll(() => templateRow(page, edited).count(), { timeout: 15_000 }).toBe(0);
      await open.waitFor({ state: "detached" });
      const gone = await templates.getTemplate({ template: String(id) }).then(
        () => undefined,
        (err: unknown) => ConnectError.from(err).code,
      );
      expect(gone).toBe(Code.NotFound);
      expect((await templates.listTemplates({})).templates.map((t) => t.id)).not.toContain(id);
      expect(await page.getByRole("alert").allInnerTexts()).toEqual([]);
      expectNoProblems(problems);
    } finally {
      await templates.deleteTemplate({ id }).catch(() => undefined);
      await context.close();
    }
  });
});

describe("an idea", () => {
  it("becomes a task with Convert to task, and then links to it", async () => {
    const title = "An idea for the browser test";
    const { context, page, problems } = await browser.open();
    try {
      await logInAccepted(page, system);
      await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Ideas", exact: true }).click();
      await page.getByRole("heading", { level: 1, name: /^Ideas$/ }).waitFor();
      await page.getByLabel("new title").fill(title);
      await page.getByRole("button", { name: "+ Idea" }).click();
      // The new idea opens in the editor.
      await page.waitForURL(/#\/ideas\?id=\d+$/, { timeout: 30_000 });
      const ideaId = BigInt(/id=(\d+)$/.exec(page.url())![1]!);

      await page.getByRole("link", { name: "Convert to task" }).click();
      await page.getByRole("heading", { name: /Convert an idea to a task/ }).waitFor();
      await expect.poll(() => page.getByLabel(/^Title/).inputValue(), { timeout: 20_000 }).toBe(title);
      await expect.poll(() => page.getByLabel(/^Repository/).locator("option").allInnerTexts(), { timeout: 20_000 }).toContain(system.repository);
      await page.getByLabel(/^Repository/).selectOption(system.repository);
      await page.getByLabel(/^Vendor/).fill("script");
      // Left pending: the conversion is what is tested here, not another run of the pipeline.
      await page.getByRole("radio", { name: "leave pending" }).check();
      await page.getByRole("button", { name: "Convert to task" }).click();

      await page.waitForURL(/#\/tasks\/\d+$/, { timeout: 30_000 });
      const taskId = BigInt(/#\/tasks\/(\d+)$/.exec(page.url())![1]!);
      await expect.poll(() => page.getByRole("heading", { level: 1 }).innerText()).toContain(title);
      await expect.poll(() => taskStatusText(page)).toBe("pending");
      expect((await api(system).ideas.getIdea({ id: ideaId })).idea?.taskId).toBe(taskId);

      // Back on the idea: its editor links to the task instead of offering to convert it again.
      await page.goto(`${system.webUrl}#/ideas?id=${ideaId}`);
      await page.getByRole("link", { name: `Task #${taskId}`, exact: true }).waitFor();
      expect(await page.getByRole("link", { name: "Convert to task" }).count()).toBe(0);
      await screenshot(page, system, "idea-converted");
      await page.getByRole("link", { name: `Task #${taskId}`, exact: true }).click();
      await page.waitForURL(new RegExp(`#/tasks/${taskId}$`));
      expect(await page.getByRole("alert").allInnerTexts()).toEqual([]);
      expectNoProblems(problems);
    } finally {
      await context.close();
    }
  });
});
