// Debian's Chromium driven by playwright-core (no downloaded browser), and the steps every scenario shares.
import { mkdirSync } from "node:fs";
import { connect, createServer, type AddressInfo, type Socket } from "node:net";
import { join } from "node:path";
import { createClient, type Client } from "@connectrpc/connect";
import { createGrpcWebTransport } from "@connectrpc/connect-web";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { afterAll, beforeAll, expect } from "vitest";
import { IdeaService } from "../src/gen/devserver/ideas/v1/ideas_pb";
import { QueueService } from "../src/gen/devserver/queue/v1/queue_pb";
import { RepositoryService } from "../src/gen/devserver/repositories/v1/repositories_pb";
import { SettingsService } from "../src/gen/devserver/settings/v1/settings_pb";
import { TaskService } from "../src/gen/devserver/tasks/v1/tasks_pb";
import { TemplateService } from "../src/gen/devserver/templates/v1/templates_pb";
import type { SystemInfo } from "./system";

/** Flags for a headless Chromium on a build machine: no sandbox (root), no GPU, nothing phoning home. */
const chromiumFlags = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-dev-shm-usage",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-default-apps",
  "--disable-sync",
  "--no-first-run",
  "--metrics-recording-only",
];

/** Launches /usr/bin/chromium (or $CHROMIUM) headless; Playwright gives it a fresh user-data-dir it deletes on close. */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    headless: true,
    args: chromiumFlags,
    timeout: 60_000,
  });
}

export interface Viewport {
  width: number;
  height: number;
}

/** The size the scenarios use unless they say otherwise. */
export const DESKTOP: Viewport = { width: 1400, height: 900 };

/** Laptop screens the dashboard must fit without sideways scrolling. */
export const LAPTOPS: readonly Viewport[] = [
  { width: 1366, height: 768 },
  { width: 1280, height: 720 },
];

/** One Chromium for a test file: what useBrowser() gives its scenarios. */
export interface SharedBrowser {
  /** The browser (launched before the file's first test). */
  readonly browser: Browser;
  /** A fresh context and page on it that records problems (see openPage). */
  open(acceptDownloads?: boolean, viewport?: Viewport): Promise<{ context: BrowserContext; page: Page; problems: string[] }>;
}

/**
 * Launches Chromium before the calling file's tests and closes it after them (a beforeAll and an afterAll in the
 * file's top-level suite). Call it at the top level of a test file, once.
 */
export function useBrowser(): SharedBrowser {
  let launched: Browser | undefined;
  beforeAll(async () => {
    launched = await launchBrowser();
  });
  afterAll(async () => {
    await launched?.close();
  });
  const browser = (): Browser => {
    if (launched === undefined) {
      throw new Error("the browser is not launched yet: use it inside a hook or a test, not while the file is collected");
    }
    return launched;
  };
  return {
    get browser() {
      return browser();
    },
    open: (acceptDownloads = false, viewport = DESKTOP) => openPage(browser(), acceptDownloads, viewport),
  };
}

/**
 * A page that records what the browser complained about: console errors, uncaught exceptions and Content-Security-Policy
 * violations (the orchestrator's policy must let the built app run untouched).
 */
export async function openPage(
  browser: Browser,
  acceptDownloads = false,
  viewport: Viewport = DESKTOP,
): Promise<{ context: BrowserContext; page: Page; problems: string[] }> {
  const context = await browser.newContext({ acceptDownloads, viewport });
  const page = await context.newPage();
  page.setDefaultTimeout(30_000);
  const problems: string[] = [];
  page.on("pageerror", (error) => problems.push(`uncaught: ${error.message}`));
  page.on("console", (message) => {
    if (message.type() === "error") {
      problems.push(`console: ${message.text()}`);
    }
  });
  await page.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (e) => console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI}`));
  });
  return { context, page, problems };
}

/** Opens the dashboard's address and logs in with the token, the way a person pastes it. */
export async function logIn(page: Page, system: SystemInfo, token = system.adminToken): Promise<void> {
  await page.goto(system.webUrl);
  await page.getByLabel("Admin token").fill(token);
  await page.getByRole("button", { name: "Log in" }).click();
}

/** Logs in and waits until the app's navigation shows (the token was accepted). */
export async function logInAccepted(page: Page, system: SystemInfo): Promise<void> {
  await logIn(page, system);
  await page.getByRole("button", { name: "Log out" }).waitFor();
}

/** The orchestrator's API over gRPC-Web from Node, with the admin token: what the tests check the UI against. */
export function api(system: SystemInfo): {
  queue: Client<typeof QueueService>;
  tasks: Client<typeof TaskService>;
  templates: Client<typeof TemplateService>;
  ideas: Client<typeof IdeaService>;
  repositories: Client<typeof RepositoryService>;
  settings: Client<typeof SettingsService>;
} {
  const transport = createGrpcWebTransport({
    baseUrl: system.webUrl.replace(/\/$/, ""),
    useBinaryFormat: true,
    interceptors: [
      (next) => async (request) => {
        request.header.set("authorization", `Bearer ${system.adminToken}`);
        return next(request);
      },
    ],
  });
  return {
    queue: createClient(QueueService, transport),
    tasks: createClient(TaskService, transport),
    templates: createClient(TemplateService, transport),
    ideas: createClient(IdeaService, transport),
    repositories: createClient(RepositoryService, transport),
    settings: createClient(SettingsService, transport),
  };
}

/** A TCP relay in front of the dashboard's port, for outages (see startRelay). */
export interface Relay {
  /** The dashboard through the relay: log in here, the app then calls the API through it too. */
  url: string;
  /** The outage: every open connection is reset and new ones are refused until restore(). */
  cut(): void;
  restore(): void;
  /**
   * One call fails: until allow(), a connection is reset as soon as it carries a request for `path` (the request never
   * reaches the orchestrator), while every other call and open stream goes on.
   */
  refuse(path: string): void;
  allow(): void;
  /** How many requests refuse() has failed so far. */
  refused(): number;
  close(): Promise<void>;
}

/**
 * A relay on a loopback port that forwards to `target`'s host and port. Chromium's offline emulation
 * (context.setOffline) fails new requests but leaves a response that is already streaming alone, so a page's open
 * gRPC-Web stream never notices it; resetting the relayed connections is the network dropping under the stream, with
 * the orchestrator left running.
 */
export async function startRelay(target: string): Promise<Relay> {
  const { hostname, port } = new URL(target);
  const open = new Set<Socket>();
  let down = false;
  // An HTTP/1.1 request starts with its request line, "POST /<service>/<method> HTTP/1.1", at the start of a write.
  let refusedPath: Buffer | null = null;
  let refusedCount = 0;
  const server = createServer((client) => {
    if (down) {
      client.resetAndDestroy();
      return;
    }
    const upstream = connect(Number(port), hostname);
    const drop = () => {
      client.destroy();
      upstream.destroy();
      open.delete(client);
      open.delete(upstream);
    };
    open.add(client);
    open.add(upstream);
    client.on("error", drop).on("close", drop);
    upstream.on("error", drop).on("close", drop);
    client.on("data", (chunk: Buffer) => {
      if (refusedPath !== null && chunk.includes(refusedPath)) {
        refusedCount++;
        client.resetAndDestroy();
        drop();
        return;
      }
      if (!upstream.write(chunk)) {
        client.pause();
        upstream.once("drain", () => client.resume());
      }
    });
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const resetAll = () => {
    for (const socket of open) {
      socket.resetAndDestroy();
    }
    open.clear();
  };
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    cut() {
      down = true;
      resetAll();
    },
    restore() {
      down = false;
    },
    refuse(path) {
      refusedPath = Buffer.from(` ${path} HTTP/`);
    },
    allow() {
      refusedPath = null;
    },
    refused: () => refusedCount,
    close() {
      resetAll();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/** Writes a full-page screenshot to artifacts/e2e/screenshots/<name>.png. */
export async function screenshot(page: Page, system: SystemInfo, name: string): Promise<string> {
  const folder = join(system.artifacts, "screenshots");
  mkdirSync(folder, { recursive: true });
  const path = join(folder, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** How wide the document is against the window: wider means the page scrolls sideways. */
export function documentWidth(page: Page): Promise<{ scrollWidth: number; innerWidth: number }> {
  return page.evaluate(() => ({ scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth }));
}

/** The live indicator's state word ("live", "reconnecting", …) on pages with one stream. */
export function liveState(page: Page): Promise<string | null> {
  return page.getByTestId("live-indicator").first().getAttribute("data-state").catch(() => null);
}

/** Fails with what the browser reported, if anything. */
export function expectNoProblems(problems: string[]): void {
  expect(problems, problems.join("\n")).toEqual([]);
}

/** Polls an async check outside a test (setup hooks cannot use expect.poll); throws naming what never happened. */
export async function until(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const giveUp = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > giveUp) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** The terminal's visible text (xterm's DOM renderer draws one element per row). */
export function terminalText(page: Page): Promise<string> {
  return page.getByTestId("terminal").innerText().catch(() => "");
}

/** The task page's event rows, as text. */
export function eventsText(page: Page): Promise<string> {
  return page
    .getByTestId("event-row")
    .allInnerTexts()
    .then((rows) => rows.join("\n"));
}

/** The status badge in the task page's header. */
export function taskStatusText(page: Page): Promise<string> {
  return page.getByTestId("task-status").innerText().catch(() => "");
}

/** The task page's Patches panel, as text. */
export function patchesText(page: Page): Promise<string> {
  return page.getByRole("region", { name: "Patches", exact: true }).innerText().catch(() => "");
}

/** The patch summary's verification word, exactly: "verified" or "not verified" (undefined before a patch shows). */
export async function patchVerification(page: Page): Promise<string | undefined> {
  return /· (verified|not verified) ·/.exec(await patchesText(page))?.[1];
}
