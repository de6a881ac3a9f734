import { computeAccessibleDescription, computeAccessibleName, getRole } from "dom-accessibility-api";
import { render } from "preact";
import { act } from "preact/test-utils";
import { describe, expect, it } from "vitest";
import { mount } from "../test/render";
import { emptyAgentFields } from "../views/agentFields";
import { AgentFieldsEditor, Check, Field } from "./forms";

const DETECT = "detect the command of every empty stage from the checkout";

/** The controls a label names, in document order. */
function controls(root: HTMLElement): HTMLElement[] {
  return [...root.querySelectorAll<HTMLElement>("input, select, textarea")];
}

/**
 * A control's labels as HTML defines them: each label whose `for` is its id, and each label without a `for` whose
 * first labelable descendant it is. (happy-dom's `labels` finds only the nearest, and so does the accessible name
 * computed on it: only this count shows a label around a label.)
 */
function labelsOf(control: HTMLElement): HTMLLabelElement[] {
  return [...control.ownerDocument.querySelectorAll("label")].filter((l) =>
    l.htmlFor !== "" ? l.htmlFor === control.id : l.querySelector("button, input:not([type=hidden]), meter, output, progress, select, textarea") === control,
  );
}

function checkbox(root: HTMLElement): HTMLInputElement {
  const box = root.querySelector<HTMLInputElement>("input[type=checkbox]");
  expect(box).not.toBeNull();
  return box!;
}

describe("a field around a checkbox", () => {
  // As the repository form's Detection field uses it.
  const detection = (onChange: (v: boolean) => void = () => undefined) => (
    <Field label="Detection" wide group>
      <Check label={DETECT} checked={false} onChange={onChange} />
    </Field>
  );

  it("is a group named by the field, the box named by its own text under its one label", () => {
    const root = mount(detection());
    const box = checkbox(root);
    expect(labelsOf(box)).toHaveLength(1);
    expect(root.querySelectorAll("label label")).toHaveLength(0);
    expect(computeAccessibleName(box)).toBe(DETECT);
    const field = root.firstElementChild!;
    expect(getRole(field)).toBe("group");
    expect(computeAccessibleName(field)).toBe("Detection");
  });

  it("leaves the box alone when the field's name is clicked, and toggles it on its own text", () => {
    const changes: boolean[] = [];
    const root = mount(detection((v) => changes.push(v)));
    const name = [...root.querySelectorAll<HTMLElement>(".pf-label")].find((e) => e.textContent === "Detection")!;
    act(() => name.click());
    expect(changes).toEqual([]);
    act(() => labelsOf(checkbox(root))[0]!.click());
    expect(changes).toEqual([true]);
  });
});

describe("the agent fields editor", () => {
  it("labels every control once, and names the verification box by its own text", () => {
    const root = mount(<AgentFieldsEditor value={emptyAgentFields()} onChange={() => undefined} />);
    const all = controls(root);
    expect(all.map((c) => labelsOf(c).length)).toEqual(all.map(() => 1));
    expect(root.querySelectorAll("label label")).toHaveLength(0);
    // The name is the field's alone (the hint describes the control, it is not part of its name); the box's is its own text.
    expect(all.map((c) => computeAccessibleName(c))).toEqual([
      "Vendor",
      "Model",
      "Backup vendor",
      "Backup model",
      "Max turns",
      "Billing",
      "Delivery flow",
      "skip verification",
      "Allowed tools",
    ]);
    const verification = checkbox(root).closest("fieldset");
    expect(verification).not.toBeNull();
    expect(computeAccessibleName(verification!)).toBe("Verification");
  });
});

describe("a text field with a hint and an error", () => {
  const name = (error?: string) => (
    <Field label="Name" hint="a letter, then letters" error={error}>
      <input value="" />
    </Field>
  );

  it("is named by its label alone and described by its hint", () => {
    const root = mount(name());
    const input = root.querySelector("input")!;
    expect(computeAccessibleName(input)).toBe("Name");
    expect(computeAccessibleDescription(input)).toBe("a letter, then letters");
    expect(input.getAttribute("aria-invalid")).toBeNull();
  });

  it("is described by its hint and its error, and marked invalid", () => {
    const root = mount(name("the name is taken"));
    const input = root.querySelector("input")!;
    expect(computeAccessibleName(input)).toBe("Name");
    expect(computeAccessibleDescription(input)).toBe("a letter, then letters the name is taken");
    expect(input.getAttribute("aria-invalid")).toBe("true");
  });
});

/** The controls inside the field whose name (its .pf-label) is `label`. */
function fieldControls(root: HTMLElement, label: string): HTMLElement[] {
  const name = [...root.querySelectorAll<HTMLElement>(".pf-label")].find((e) => e.textContent === label);
  expect(name, `a field named ${label}`).toBeDefined();
  return controls(name!.closest<HTMLElement>(".pf-field")!);
}

describe("a composite field (Max turns: a select beside a number box)", () => {
  // "Other number…" with a number out of range: both controls show, and the field has a hint and an error.
  const tooMany = { ...emptyAgentFields(), turns: { kind: "max" as const, turns: 5000 } };

  it("describes each of its controls by the hint and marks none invalid without an error", () => {
    const root = mount(<AgentFieldsEditor value={tooMany} onChange={() => undefined} />);
    const [select, turns] = fieldControls(root, "Max turns");
    expect(turns).toBeDefined();
    expect([select!, turns!].map((c) => computeAccessibleName(c))).toEqual(["Max turns", "maximum turns"]);
    expect([select!, turns!].map((c) => computeAccessibleDescription(c))).toEqual(["per attempt", "per attempt"]);
    expect([select!, turns!].map((c) => c.getAttribute("aria-invalid"))).toEqual([null, null]);
  });

  it("describes each of its controls by the hint and the error, and marks them invalid", () => {
    const root = mount(<AgentFieldsEditor value={tooMany} errors={{ turns: "at most 1000 turns" }} onChange={() => undefined} />);
    const both = fieldControls(root, "Max turns");
    expect(both).toHaveLength(2);
    expect(both.map((c) => computeAccessibleDescription(c))).toEqual(["per attempt at most 1000 turns", "per attempt at most 1000 turns"]);
    expect(both.map((c) => c.getAttribute("aria-invalid"))).toEqual(["true", "true"]);
  });
});

describe("plain elements holding several controls", () => {
  it("describes every control among them, however deep, and only the controls", () => {
    const root = mount(
      <Field label="Repository" hint="empty: the task's own" error="there is no repository x">
        <span class="pair">
          <select>
            <option>keep</option>
          </select>
          <span>
            <input aria-label="other" />
          </span>
        </span>
        <datalist id="repositories">
          <option value="app" />
        </datalist>
      </Field>,
    );
    const all = controls(root);
    expect(all.map((c) => computeAccessibleDescription(c))).toEqual(["empty: the task's own there is no repository x", "empty: the task's own there is no repository x"]);
    expect(all.map((c) => c.getAttribute("aria-invalid"))).toEqual(["true", "true"]);
    expect(root.querySelectorAll("span[aria-describedby], datalist[aria-describedby], option[aria-describedby]")).toHaveLength(0);
  });
});

describe("a field whose controls come and go", () => {
  it("keeps each control on its own DOM node when one before it appears", () => {
    const field = (showFirst: boolean) => (
      <Field label="Token" hint="write-only">
        <span>
          {showFirst && <input aria-label="first" />}
          <input aria-label="second" />
        </span>
      </Field>
    );
    const root = mount(field(false));
    const second = root.querySelector("input")!;
    act(() => render(field(true), root));
    const [first, after] = [...root.querySelectorAll("input")];
    expect(after).toBe(second);
    expect([first!, after!].map((c) => computeAccessibleName(c))).toEqual(["first", "second"]);
    expect([first!, after!].map((c) => computeAccessibleDescription(c))).toEqual(["write-only", "write-only"]);
  });
});
