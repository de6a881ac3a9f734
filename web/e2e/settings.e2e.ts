// Saving settings in a browser: the Settings page's "Queue and tasks" form (a refused value first, then max
// concurrency, auto-enqueue and notifications saved, still there after a reload, and the same through the API), and
// the task page's Agent settings sidebar (model, turn limit and verification saved on a pending task).
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { Settings } from "../src/gen/devserver/settings/v1/settings_pb";
import { api, expectNoProblems, logInAccepted, screenshot, useBrowser } from "./browser";

const system = inject("system");
const browser = useBrowser();
let before: Settings | undefined;

beforeAll(async () => {
  before = (await api(system).settings.getSettings({})).settings;
});

afterAll(async () => {
  // The files after this one expect the settings they started with, whatever happened here.
  if (before !== undefined) {
    const { maxConcurrency, queuePaused, autoEnqueue, notificationsEnabled } = before;
    await api(system).settings.updateSettings({ maxConcurrency, queuePaused, autoEnqueue, notificationsEnabled });
  }
});

describe("the Settings page", () => {
  it("refuses an out-of-range concurrency, saves the changed settings, and shows them again after a reload", async () => {
    const { context, page, problems } = await browser.open();
    const { settings, queue } = api(system);
    const start = (await settings.getSettings({})).settings!;
    const concurrency = start.maxConcurrency === 3 ? 4 : 3;
    try {
      await logInAccepted(page, system);
      await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Settings", exact: true }).click();
      const maxConcurrency = page.getByLabel("Max concurrency");
      const autoEnqueue = page.getByRole("checkbox", { name: /^Auto-enqueue/ });
      const notifications = page.getByRole("checkbox", { name: /^Notifications/ });
      const save = page.getByRole("button", { name: "Save", exact: true });
      await expect.poll(() => maxConcurrency.inputValue(), { timeout: 20_000 }).toBe(String(start.maxConcurrency));
      expect(await autoEnqueue.isChecked()).toBe(start.autoEnqueue);
      expect(await notifications.isChecked()).toBe(start.notificationsEnabled);
      expect(await save.isEnabled()).toBe(false);

      // Out of range: said in words next to the field, and nothing is sent.
      await maxConcurrency.fill("11");
      await save.click();
      await page.getByText("Max concurrency must be a whole number from 1 to 10.").waitFor();
      expect((await settings.getSettings({})).settings?.maxConcurrency).toBe(start.maxConcurrency);
      // Undo puts back what the orchestrator has.
      await page.getByRole("button", { name: "Undo changes" }).click();
      expect(await maxConcurrency.inputValue()).toBe(String(start.maxConcurrency));
      expect(await save.isEnabled()).toBe(false);

      // A slow device, and the save's answer passed through the test: the orchestrator's WatchQueue snapshot of the same
      // change then often reaches the page first. The page must end up with what was saved, nothing left to save.
      const cdp = await context.newCDPSession(page);
      await cdp.send("Emulation.setCPUThrottlingRate", { rate: 20 });
      await page.route("**/devserver.settings.v1.SettingsService/UpdateSettings", async (route) => route.fulfill({ response: await route.fetch() }));
      await maxConcurrency.fill(String(concurrency));
      await autoEnqueue.setChecked(!start.autoEnqueue);
      await notifications.setChecked(!start.notificationsEnabled);
      await save.click();
      await page.getByText("Saved.", { exact: true }).waitFor();
      await expect.poll(() => save.isEnabled()).toBe(false);
      // And it stays so: nothing arriving later (the snapshot) makes the saved form look edited again.
      await page.waitForTimeout(500);
      expect(await save.isEnabled()).toBe(false);
      expect(await page.getByRole("button", { name: "Undo changes" }).isEnabled()).toBe(false);
      await cdp.send("Emulation.setCPUThrottlingRate", { rate: 1 });
      expect((await settings.getSettings({})).settings).toMatchObject({
        maxConcurrency: concurrency,
        queuePaused: start.queuePaused,
        autoEnqueue: !start.autoEnqueue,
        notificationsEnabled: !start.notificationsEnabled,
      });
      // The queue and the settings are one store.
      expect((await queue.getQueue({})).queue?.maxConcurrency).toBe(concurrency);
      await screenshot(page, system, "settings-saved");

      await page.reload();
      await page.getByRole("heading", { level: 1, name: /^Settings$/ }).waitFor();
      await expect.poll(() => maxConcurrency.inputValue(), { timeout: 20_000 }).toBe(String(concurrency));
      expect(await autoEnqueue.isChecked()).toBe(!start.autoEnqueue);
      expect(await notifications.isChecked()).toBe(!start.notificationsEnabled);
      expect(await save.isEnabled()).toBe(false);
      expect(await page.getByRole("alert").allInnerTexts()).toEqual([]);
      expectNoProblems(problems);
    } finally {
      await settings.updateSettings({ maxConcurrency: start.maxConcurrency, autoEnqueue: start.autoEnqueue, notificationsEnabled: start.notificationsEnabled });
      await context.close();
    }
  });
});

describe("the task page's Agent settings", () => {
  it("saves a pending task's model, turn limit and verification, shown again after a reload", async () => {
    const { context, page, problems } = await browser.open();
    const { tasks } = api(system);
    const created = await tasks.createTask({ repository: system.repository, title: "Settings changed in the sidebar", vendor: "script", enqueue: false });
    const id = created.task!.id;
    const sidebar = page.getByRole("region", { name: "Agent settings", exact: true });
    try {
      await logInAccepted(page, system);
      await page.goto(`${system.webUrl}#/tasks/${id}`);
      await sidebar.getByRole("button", { name: "Edit settings" }).click();
      await sidebar.getByLabel(/^Model/).fill("e2e-model");
      await sidebar.getByRole("combobox", { name: /^Max turns/ }).selectOption({ label: "50 turns" });
      // Named by its own text alone: not by the field's name in front of it too.
      await sidebar.getByRole("checkbox", { name: "skip verification", exact: true }).check();
      // The button says what will be sent.
      await sidebar.getByRole("button", { name: "Save model, turn limit, verification" }).click();
      await sidebar.getByRole("button", { name: "Edit settings" }).waitFor();

      const saved = (await tasks.getTask({ id })).task!;
      expect(saved).toMatchObject({ vendor: "script", model: "e2e-model", skipVerification: true });
      expect(saved.turnLimit?.limit).toEqual({ case: "maxTurns", value: 50 });
      const facts = /Vendor\/model\s+script\/e2e-model\s+Backup\s+none\s+Max turns\s+50\s[\s\S]*Verification\s+skipped/;
      expect(await sidebar.innerText()).toMatch(facts);

      await page.reload();
      await expect.poll(() => sidebar.innerText(), { timeout: 20_000 }).toMatch(facts);
      await screenshot(page, system, "task-settings-saved");
      expect(await page.getByRole("alert").allInnerTexts()).toEqual([]);
      expectNoProblems(problems);
    } finally {
      await tasks.deleteTask({ id });
      await context.close();
    }
  });
});
