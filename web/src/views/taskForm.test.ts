import { describe, expect, it } from "vitest";
import { DeliveryFlow } from "../gen/devserver/tasks/v1/tasks_pb";
import { BillingMode } from "../gen/devserver/work/v1/agent_pb";
import { idea, template } from "../test/pageFixtures";
import { applyIdea, applyTemplate, buildCreateTaskRequest, emptyTaskForm, validateTaskForm, type TaskForm } from "./taskForm";

function filled(): TaskForm {
  const f = emptyTaskForm();
  return {
    ...f,
    repository: " app ",
    title: "  Add dark mode ",
    description: "Use CSS variables.",
    acceptance: "A toggle exists.",
    priority: 2,
    labels: "ui, frontend\nui,,",
    agent: { ...f.agent, vendor: "claude", model: "opus", backupVendor: "gemini", backupModel: "pro", turns: { kind: "max", turns: 50 } },
  };
}

describe("buildCreateTaskRequest", () => {
  it("copies the form, trimmed, with labels split and de-duplicated", () => {
    const r = buildCreateTaskRequest(filled());
    expect(r.repository).toBe("app");
    expect(r.title).toBe("Add dark mode");
    expect(r.description).toBe("Use CSS variables.");
    expect(r.acceptance).toBe("A toggle exists.");
    expect(r.priority).toBe(2);
    expect(r.labels).toEqual(["ui", "frontend"]);
    expect(r.vendor).toBe("claude");
    expect(r.model).toBe("opus");
    expect(r.backupVendor).toBe("gemini");
    expect(r.backupModel).toBe("pro");
    expect(r.turnLimit?.limit).toEqual({ case: "maxTurns", value: 50 });
    expect(r.template).toBe("");
  });

  it("leaves enqueue unset for the auto-enqueue setting, true for now, false for pending", () => {
    expect(buildCreateTaskRequest({ ...filled(), enqueue: "auto" }).enqueue).toBeUndefined();
    expect(buildCreateTaskRequest({ ...filled(), enqueue: "now" }).enqueue).toBe(true);
    expect(buildCreateTaskRequest({ ...filled(), enqueue: "pending" }).enqueue).toBe(false);
  });

  it("tells the default turn limit (unset) from a deliberate unlimited", () => {
    const f = filled();
    expect(buildCreateTaskRequest({ ...f, agent: { ...f.agent, turns: { kind: "default" } } }).turnLimit).toBeUndefined();
    expect(buildCreateTaskRequest({ ...f, agent: { ...f.agent, turns: { kind: "unlimited" } } }).turnLimit?.limit).toEqual({
      case: "unlimited",
      value: true,
    });
  });

  it("drops a backup model without a backup vendor, and sends tools one per line", () => {
    const f = filled();
    const r = buildCreateTaskRequest({ ...f, agent: { ...f.agent, backupVendor: " ", backupModel: "pro", allowedTools: "Bash(git log:*, git diff)\n\nRead\n" } });
    expect(r.backupVendor).toBe("");
    expect(r.backupModel).toBe("");
    expect(r.allowedTools).toEqual(["Bash(git log:*, git diff)", "Read"]);
  });

  it("sends billing, flow and verification as chosen", () => {
    const f = filled();
    const r = buildCreateTaskRequest({
      ...f,
      agent: { ...f.agent, billingMode: BillingMode.SUBSCRIPTION, deliveryFlow: DeliveryFlow.PULL_REQUEST, skipVerification: true },
    });
    expect(r.billingMode).toBe(BillingMode.SUBSCRIPTION);
    expect(r.deliveryFlow).toBe(DeliveryFlow.PULL_REQUEST);
    expect(r.skipVerification).toBe(true);
  });
});

describe("applyTemplate", () => {
  it("fills the fields the template sets and keeps the title and the rest", () => {
    const form = { ...emptyTaskForm(), title: "typed already", repository: "web", agent: { ...emptyTaskForm().agent, model: "mine" } };
    const t = template({
      description: "Template text",
      repository: "",
      priority: 1,
      vendor: "codex",
      backupVendor: "glm",
      turnLimit: { limit: { case: "unlimited", value: true } },
      billingMode: BillingMode.API_KEY,
      deliveryFlow: DeliveryFlow.PATCH,
      skipVerification: true,
      labels: ["a", "b"],
      allowedTools: ["Read", "Edit"],
    });
    const out = applyTemplate(form, t);
    expect(out.title).toBe("typed already");
    expect(out.repository).toBe("web");
    expect(out.description).toBe("Template text");
    expect(out.priority).toBe(1);
    expect(out.labels).toBe("a, b");
    expect(out.agent).toEqual({
      vendor: "codex",
      model: "mine",
      backupVendor: "glm",
      backupModel: "",
      turns: { kind: "unlimited" },
      billingMode: BillingMode.API_KEY,
      deliveryFlow: DeliveryFlow.PATCH,
      skipVerification: true,
      allowedTools: "Read\nEdit",
    });
  });

  it("never replaces text already written (an idea's content), only fills empty text", () => {
    const fromIdea = applyIdea(emptyTaskForm(), idea(9, 0, "Speed up CI", { content: "the idea" }));
    const out = applyTemplate(fromIdea, template({ description: "template text", acceptance: "CI under 5 min", vendor: "glm" }));
    expect(out.title).toBe("Speed up CI");
    expect(out.description).toBe("the idea");
    expect(out.acceptance).toBe("CI under 5 min");
    expect(out.agent.vendor).toBe("glm");
  });

  it("keeps the priority, turn limit and enums when the template leaves them empty", () => {
    const form = { ...filled(), agent: { ...filled().agent, billingMode: BillingMode.SUBSCRIPTION } };
    const out = applyTemplate(form, template({ repository: "other", turnLimit: { limit: { case: "maxTurns", value: 10 } } }));
    expect(out.priority).toBe(2);
    expect(out.repository).toBe("other");
    expect(out.agent.turns).toEqual({ kind: "max", turns: 10 });
    expect(out.agent.billingMode).toBe(BillingMode.SUBSCRIPTION);
    expect(out.labels).toBe(form.labels);
    // The pre-filled form builds the request: the template itself is not sent.
    expect(buildCreateTaskRequest(out).template).toBe("");
  });
});

describe("applyIdea and validation", () => {
  it("takes the idea's title and content", () => {
    const out = applyIdea(filled(), idea(9, 0, "Speed up CI", { content: "# Why\nslow" }));
    expect(out.title).toBe("Speed up CI");
    expect(out.description).toBe("# Why\nslow");
  });

  it("needs a repository and a title, except that a conversion takes the idea's title", () => {
    const empty = emptyTaskForm();
    expect(validateTaskForm(empty)).toMatchObject({ repository: "choose a repository", title: "a title is needed" });
    expect(validateTaskForm(empty, true).title).toBeUndefined();
    expect(validateTaskForm(filled())).toEqual({});
  });

  it("reports turn limits out of range, a backup equal to the vendor and too many labels", () => {
    const f = filled();
    expect(validateTaskForm({ ...f, agent: { ...f.agent, turns: { kind: "max", turns: 0 } } }).turns).toMatch(/1 to 10000/);
    expect(validateTaskForm({ ...f, agent: { ...f.agent, turns: { kind: "max", turns: 10001 } } }).turns).toBeDefined();
    expect(validateTaskForm({ ...f, agent: { ...f.agent, backupVendor: "claude" } }).backupVendor).toMatch(/differ/);
    // An empty vendor means "script".
    expect(validateTaskForm({ ...f, agent: { ...f.agent, vendor: "", backupVendor: "script" } }).backupVendor).toBeDefined();
    const labels = Array.from({ length: 21 }, (_, i) => `l${i}`).join(",");
    expect(validateTaskForm({ ...f, labels }).labels).toBe("at most 20 labels");
    expect(validateTaskForm({ ...f, title: "x".repeat(201) }).title).toMatch(/200/);
  });
});
