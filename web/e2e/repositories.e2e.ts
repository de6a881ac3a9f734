// The Repositories page in a browser: a repository (a temporary git repository, made the way system.ts makes the
// suite's own) added through the form after a refused name, edited, and removed; each step checked through the API
// and in the table, and the edit still shown after a reload.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Code, ConnectError } from "@connectrpc/connect";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { api, expectNoProblems, logInAccepted, screenshot, useBrowser } from "./browser";
import { createRepository } from "./system";

const system = inject("system");
const browser = useBrowser();
const name = "e2e-added";
let folder = "";
let location = "";

beforeAll(() => {
  folder = mkdtempSync(join(tmpdir(), "ds-e2e-repo-"));
  location = join(folder, "repo");
  createRepository(location);
});

afterAll(async () => {
  await api(system)
    .repositories.removeRepository({ repository: name })
    .catch(() => undefined);
  rmSync(folder, { recursive: true, force: true });
});

/** The editor below the table, by its card's name ("Add a repository", "Edit <name>"). */
function editor(page: Page, name: string) {
  return page.getByRole("region", { name, exact: true });
}

const row = (page: Page) => page.getByRole("row").filter({ has: page.getByRole("cell", { name, exact: true }) });

/** The API's error code for the repository, or undefined while it exists. */
function lookupError(): Promise<Code | undefined> {
  return api(system)
    .repositories.getRepository({ repository: name })
    .then(
      () => undefined,
      (err: unknown) => ConnectError.from(err).code,
    );
}

describe("a repository", () => {
  it("is added on the Repositories page, edited, still edited after a reload, and removed", async () => {
    const { context, page, problems } = await browser.open();
    const { repositories } = api(system);
    try {
      await logInAccepted(page, system);
      await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Repositories", exact: true }).click();
      await page.getByRole("heading", { level: 1, name: /^Repositories$/ }).waitFor();
      await page.getByRole("cell", { name: system.repositoryPath, exact: true }).waitFor();

      await page.getByRole("main").getByRole("button", { name: "Add repository" }).first().click();
      const adding = editor(page, "Add a repository");
      // A name that starts with a digit is refused in the form, before anything is sent.
      await adding.getByLabel(/^Name/).fill("1-not-a-name");
      await adding.getByLabel(/^Location/).fill(location);
      await adding.getByRole("button", { name: "Add repository" }).click();
      await adding.getByText("please correct the marked fields").waitFor();
      await adding.getByText("1–64 characters: a letter, then letters, digits, '.', '_' or '-'", { exact: true }).waitFor();
      expect((await repositories.listRepositories({})).repositories.map((r) => r.name)).toEqual([system.repository]);

      await adding.getByLabel(/^Name/).fill(name);
      expect(await adding.getByLabel(/^Default branch/).inputValue()).toBe("main");
      await adding.getByLabel(/^Attempts per task/).fill("3");
      await adding.getByLabel(/^Attempt time limit/).fill("15");
      await adding.getByLabel(/^build/).fill("true");
      await adding.getByLabel(/^test/).fill("test -f README.md");
      // Named by its own text alone: not by the field's name ("Detection") in front of it too.
      await adding.getByRole("checkbox", { name: /^detect the command of every empty stage/ }).uncheck();
      await adding.getByRole("button", { name: "Add repository" }).click();
      await page.getByText(`added ${name}`, { exact: true }).waitFor();
      await adding.waitFor({ state: "detached" });
      await row(page).getByRole("cell", { name: location, exact: true }).waitFor();

      const added = await repositories.getRepository({ repository: name });
      expect(added.repository).toMatchObject({
        name,
        location,
        defaultBranch: "main",
        maxAttempts: 3,
        detectCommands: false,
        commands: { pre: "", build: "true", test: "test -f README.md", lint: "" },
      });
      expect(added.repository?.attemptTimeout?.seconds).toBe(900n);

      // Edit: the name cannot change; what changed is named in the notice and only that is sent.
      await row(page).getByRole("button", { name: "Edit" }).click();
      const editing = editor(page, `Edit ${name}`);
      expect(await editing.getByLabel(/^Name/).isDisabled()).toBe(true);
      expect(await editing.getByLabel(/^test/).inputValue()).toBe("test -f README.md");
      expect(await editing.getByLabel(/^Attempts per task/).inputValue()).toBe("3");
      expect(await editing.getByLabel(/^Attempt time limit/).inputValue()).toBe("15");
      await editing.getByLabel(/^test/).fill("test -f README.md && test -d .git");
      await editing.getByLabel(/^Attempts per task/).fill("4");
      await editing.getByLabel(/^Deny paths/).fill("secrets/**\n*.pem");
      await editing.getByRole("button", { name: "Save changes" }).click();
      await page.getByText(`saved ${name}: commands, attempts, delivery`, { exact: true }).waitFor();
      await editing.waitFor({ state: "detached" });

      const edited = (await repositories.getRepository({ repository: name })).repository!;
      expect(edited).toMatchObject({ location, defaultBranch: "main", maxAttempts: 4, detectCommands: false });
      expect(edited.commands).toMatchObject({ build: "true", test: "test -f README.md && test -d .git" });
      expect(edited.delivery?.preflight?.denyPaths).toEqual(["secrets/**", "*.pem"]);
      // Left alone: the time limit not touched in the form.
      expect(edited.attemptTimeout?.seconds).toBe(900n);
      await screenshot(page, system, "repository-edited");

      await page.reload();
      await page.getByRole("heading", { level: 1, name: /^Repositories$/ }).waitFor();
      await expect.poll(() => row(page).innerText(), { timeout: 20_000 }).toMatch(/build, test[\s\S]*\b4\b/);
      await row(page).getByRole("button", { name: "Edit" }).click();
      expect(await editor(page, `Edit ${name}`).getByLabel(/^Deny paths/).inputValue()).toBe("secrets/**\n*.pem");
      await editor(page, `Edit ${name}`).getByRole("button", { name: "Close" }).click();

      // Remove, after a confirmation that names it.
      const questions: string[] = [];
      page.once("dialog", (dialog) => {
        questions.push(dialog.message());
        void dialog.accept();
      });
      await row(page).getByRole("button", { name: "Remove…" }).click();
      await page.getByText(`removed ${name}`, { exact: true }).waitFor();
      expect(questions).toHaveLength(1);
      expect(questions[0]).toContain(`"${name}"`);
      await expect.poll(() => row(page).count()).toBe(0);
      expect(await lookupError()).toBe(Code.NotFound);
      expect(await page.getByRole("alert").allInnerTexts()).toEqual([]);
      expectNoProblems(problems);
    } finally {
      await context.close();
    }
  });
});
