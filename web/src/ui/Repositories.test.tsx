import { createRouterTransport } from "@connectrpc/connect";
import { computeAccessibleDescription, computeAccessibleName } from "dom-accessibility-api";
import { act } from "preact/test-utils";
import { describe, expect, it } from "vitest";
import { RepositoryService } from "../gen/devserver/repositories/v1/repositories_pb";
import { testAppContext } from "../test/appContext";
import { repository } from "../test/pageFixtures";
import { mount } from "../test/render";
import { Ctx } from "./context";
import { Repositories } from "./Repositories";

/** The Repositories page over an in-memory RepositoryService holding one repository with a stored forge token. */
async function repositoriesPage(): Promise<HTMLElement> {
  const transport = createRouterTransport(({ service }) => {
    service(RepositoryService, {
      listRepositories: () => ({ repositories: [repository({ name: "app", delivery: { hasForgeToken: true } })] }),
    });
  });
  const app = testAppContext(transport);
  const root = mount(
    <Ctx.Provider value={app}>
      <Repositories />
    </Ctx.Provider>,
  );
  await act(async () => {
    await new Promise((r) => setTimeout(r, 0));
  });
  return root;
}

function button(root: HTMLElement, name: string): HTMLButtonElement {
  const found = [...root.querySelectorAll("button")].find((b) => computeAccessibleName(b) === name);
  expect(found, `a button named ${name}`).toBeDefined();
  return found!;
}

describe("the repository form's forge token (a select beside a password box)", () => {
  it("describes both controls by the hint and, after a refused save, by the error too, marking them invalid", async () => {
    const root = await repositoriesPage();
    act(() => button(root, "Edit").click());
    const field = [...root.querySelectorAll<HTMLElement>(".pf-label")].find((e) => e.textContent === "Forge token")!.closest<HTMLElement>(".pf-field")!;
    const action = field.querySelector("select")!;
    act(() => {
      action.value = "set";
      action.dispatchEvent(new Event("change", { bubbles: true }));
    });
    const token = field.querySelector<HTMLInputElement>("input[type=password]");
    expect(token).not.toBeNull();
    const hint = "write-only: never shown again. Stored now: yes";
    expect(computeAccessibleName(token!)).toBe("new forge token");
    expect([action, token!].map((c) => computeAccessibleDescription(c))).toEqual([hint, hint]);
    expect([action, token!].map((c) => c.getAttribute("aria-invalid"))).toEqual([null, null]);

    // "set…" with nothing typed: the save is refused and the error describes both.
    await act(async () => {
      button(root, "Save changes").click();
      await new Promise((r) => setTimeout(r, 0));
    });
    const described = `${hint} type the token to store, or choose keep or clear`;
    expect([action, token!].map((c) => computeAccessibleDescription(c))).toEqual([described, described]);
    expect([action, token!].map((c) => c.getAttribute("aria-invalid"))).toEqual(["true", "true"]);
  });
});
