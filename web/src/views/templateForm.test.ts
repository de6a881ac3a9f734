import { describe, expect, it } from "vitest";
import { DeliveryFlow } from "../gen/devserver/tasks/v1/tasks_pb";
import { BillingMode } from "../gen/devserver/work/v1/agent_pb";
import { template } from "../test/pageFixtures";
import { buildTemplate, emptyTemplateForm, templateFormOf, templateRow, validateTemplateForm } from "./templateForm";

describe("template form", () => {
  const stored = template({
    repository: "app",
    description: "d",
    priority: 2,
    vendor: "claude",
    model: "opus",
    turnLimit: { limit: { case: "maxTurns", value: 20 } },
    billingMode: BillingMode.SUBSCRIPTION,
    deliveryFlow: DeliveryFlow.PULL_REQUEST,
    labels: ["x"],
    allowedTools: ["Read"],
  });

  it("round-trips a stored template", () => {
    const t = buildTemplate(templateFormOf(stored), stored.id);
    expect(t.id).toBe(5n);
    expect(t.name).toBe("bugfix");
    expect(t.repository).toBe("app");
    expect(t.priority).toBe(2);
    expect(t.vendor).toBe("claude");
    expect(t.turnLimit?.limit).toEqual({ case: "maxTurns", value: 20 });
    expect(t.billingMode).toBe(BillingMode.SUBSCRIPTION);
    expect(t.deliveryFlow).toBe(DeliveryFlow.PULL_REQUEST);
    expect(t.labels).toEqual(["x"]);
    expect(t.allowedTools).toEqual(["Read"]);
  });

  it("needs a name", () => {
    expect(validateTemplateForm(emptyTemplateForm()).name).toBeDefined();
    expect(validateTemplateForm({ ...emptyTemplateForm(), name: "n" })).toEqual({});
  });

  it("shows a dash for what the template leaves to the task", () => {
    expect(templateRow(stored)).toEqual({ id: 5n, name: "bugfix", flow: "pull request", vendorModel: "claude/opus", billing: "subscription", turns: "20" });
    expect(templateRow(template())).toEqual({ id: 5n, name: "bugfix", flow: "—", vendorModel: "—", billing: "—", turns: "—" });
  });
});
