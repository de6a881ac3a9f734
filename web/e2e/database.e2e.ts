// The dashboard while the orchestrator cannot reach its database, in a real browser against the real system: the test
// freezes the embedded PostgreSQL (SIGSTOP to the postmaster and every backend, a hung server the watchdog must not
// restart because it still lives), the banner appears once the orchestrator's health probe reports NOT_SERVING, and it
// goes away when the server is thawed; the API answers again and both workers are connected afterwards.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, inject, it } from "vitest";
import { api, expectNoProblems, logInAccepted, screenshot, useBrowser } from "./browser";
import { descendants } from "./system";

const system = inject("system");
const browser = useBrowser();

/** The embedded cluster's postmaster (first line of its pid file, in LocalInstallation's cluster folder). */
function postmaster(): number {
  return Number(readFileSync(join(system.dataDirectory, "postgres", "cluster", "postmaster.pid"), "utf8").split("\n")[0]);
}

function signalAll(pids: number[], signal: NodeJS.Signals): void {
  for (const pid of pids) {
    try {
      process.kill(pid, signal);
    } catch {
      // A backend that ended meanwhile.
    }
  }
}

/**
 * Stops the postmaster first, so that it forks no new backend, then every process below it (a backend forked between
 * listing and stopping would stay running and answer queries). Returns what it stopped.
 */
function freezeCluster(): number[] {
  const main = postmaster();
  signalAll([main], "SIGSTOP");
  const below = descendants(main).map((p) => p.pid);
  signalAll(below, "SIGSTOP");
  return [main, ...below];
}

describe("the database banner", () => {
  it("shows while the orchestrator cannot reach its database and goes away when it can again", async () => {
    const { context, page, problems } = await browser.open();
    const banner = page.getByRole("alert").filter({ hasText: "cannot reach its database" });
    let frozen: number[] = [];
    try {
      await logInAccepted(page, system);
      await expect.poll(() => page.getByRole("region", { name: "queue" }).isVisible(), { timeout: 20_000 }).toBe(true);
      expect(await banner.count()).toBe(0);

      frozen = freezeCluster();
      // The probe runs every 5 s and gives up on a query after 3 s.
      await expect.poll(() => banner.isVisible(), { timeout: 30_000, interval: 500 }).toBe(true);
      await screenshot(page, system, "database-unreachable");

      signalAll(frozen, "SIGCONT");
      frozen = [];
      await expect.poll(() => banner.isVisible(), { timeout: 30_000, interval: 500 }).toBe(false);
      // The files after this one need both workers: a worker whose mesh call failed on the database reconnects.
      const { queue } = api(system);
      await expect
        .poll(async () => (await queue.listWorkers({})).workers.filter((w) => w.connected).length, { timeout: 60_000, interval: 500 })
        .toBe(2);
      expectNoProblems(problems);
    } finally {
      signalAll(frozen, "SIGCONT");
      await context.close();
    }
  });
});
