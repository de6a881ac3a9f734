// The task page through a network outage in a real browser: the agent is held by its gate file while the browser
// goes offline and its connections drop, the page says it is reconnecting, the agent is released during the outage,
// and once the browser is back online the page resumes after the last event it holds: every event exactly once, in
// order, and each line of the agent's output once in the terminal.
//
// Chromium's offline emulation (context.setOffline) alone does not end a response that is already streaming (the
// page stayed "live" for 30 s), so the page talks to the orchestrator through a TCP relay (browser.ts startRelay)
// whose connections the test resets: the network dropping under the stream, with the orchestrator left running.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { describe, expect, inject, it } from "vitest";
import { TaskStatus } from "../src/gen/devserver/tasks/v1/tasks_pb";
import { api, expectNoProblems, liveState, logInAccepted, screenshot, startRelay, taskStatusText, terminalText, useBrowser } from "./browser";

const system = inject("system");
const browser = useBrowser();

/** The agent's lines (see system.ts), each of which must show exactly once. */
const AGENT_LINES = ["e2e agent: task", "e2e agent: waiting for the test", "e2e agent: released", "e2e agent: wrote greeting-"];

/**
 * Every event row's sequence number, in the order the rows are shown: the timeline is virtualised, so its scroll area
 * is walked from top to bottom and each window's rows are read (a row seen in two windows is counted once).
 */
async function shownSequences(page: Page): Promise<{ windows: number[][]; all: number[] }> {
  const rows = page.getByTestId("event-row");
  const { scrollHeight, clientHeight } = await rows.first().evaluate((row) => {
    // The nearest ancestor that scrolls is the list's viewport.
    let node = row.parentElement;
    while (node !== null && !(node.scrollHeight > node.clientHeight && getComputedStyle(node).overflowY !== "visible")) {
      node = node.parentElement;
    }
    node?.setAttribute("data-e2e-scroller", "");
    return { scrollHeight: node?.scrollHeight ?? 0, clientHeight: node?.clientHeight ?? 0 };
  });
  const windows: number[][] = [];
  const step = Math.max(20, Math.floor(clientHeight / 2));
  for (let top = 0; ; top += step) {
    await page.evaluate((y) => {
      const el = document.querySelector("[data-e2e-scroller]");
      if (el !== null) {
        el.scrollTop = y;
      }
    }, top);
    await page.waitForTimeout(100);
    windows.push((await rows.evaluateAll((els) => els.map((e) => e.getAttribute("data-sequence")))).map(Number));
    if (top + clientHeight >= scrollHeight) {
      break;
    }
  }
  const all = [...new Set(windows.flat())].sort((a, b) => a - b);
  return { windows, all };
}

function occurrences(text: string, line: string): number {
  return text.split(line).length - 1;
}

describe("the task page through an outage", () => {
  it("reconnects after the browser was offline and shows every event and output line once, in order", async () => {
    const { context, page, problems } = await browser.open();
    const { tasks } = api(system);
    const relay = await startRelay(system.webUrl);
    try {
      const created = await tasks.createTask({ repository: system.repository, title: "Survives an outage", vendor: "script", enqueue: true });
      const id = created.task!.id;
      await logInAccepted(page, { ...system, webUrl: relay.url });
      await page.goto(`${relay.url}#/tasks/${id}`);
      await expect.poll(() => terminalText(page), { timeout: 90_000 }).toContain("e2e agent: waiting for the test");
      await expect.poll(() => liveState(page), { timeout: 20_000 }).toBe("live");
      await page.getByLabel("event filter").selectOption("all");

      // Offline: new requests fail in the browser, and the open stream's connection drops.
      await context.setOffline(true);
      relay.cut();
      await expect.poll(() => liveState(page), { timeout: 30_000 }).toBe("reconnecting");
      await screenshot(page, system, "task-reconnecting");
      // The agent goes on while the browser cannot hear it: what it prints now comes only through the resume.
      writeFileSync(join(system.gates, `release-${id}`), "");
      await expect.poll(async () => (await tasks.getTask({ id })).task?.status, { timeout: 60_000, interval: 250 }).not.toBe(TaskStatus.RUNNING);
      expect(await terminalText(page)).not.toContain("e2e agent: released");

      relay.restore();
      await context.setOffline(false);
      await expect.poll(() => liveState(page), { timeout: 30_000 }).toMatch(/^(live|ended)$/);
      await expect.poll(() => taskStatusText(page), { timeout: 180_000 }).toBe("done");
      await expect.poll(() => terminalText(page), { timeout: 30_000 }).toContain("e2e agent: wrote greeting-");

      // Every event once, in order, without a gap: rows 1…N where N is what the timeline holds.
      const count = Number(/Events \((\d+)\)/.exec(await page.locator("main").innerText())?.[1] ?? "0");
      const { windows, all } = await shownSequences(page);
      for (const window of windows) {
        expect(window, "rows in one window are in increasing order without repeats").toEqual([...window].sort((a, b) => a - b).filter((n, i, a) => i === 0 || n !== a[i - 1]));
        expect(new Set(window).size).toBe(window.length);
      }
      expect(count).toBeGreaterThan(5);
      expect(all).toEqual(Array.from({ length: count }, (_, i) => i + 1));

      const terminal = await terminalText(page);
      for (const line of AGENT_LINES) {
        expect(occurrences(terminal, line), `"${line}" in the terminal:\n${terminal}`).toBe(1);
      }
      await screenshot(page, system, "task-reconnected");
      // The browser's own reports of the failed requests during the outage are expected; nothing else is.
      expectNoProblems(problems.filter((p) => !/net::ERR_/.test(p)));
    } finally {
      await context.close();
      await relay.close();
    }
  });
});
