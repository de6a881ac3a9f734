import { describe, expect, it } from "vitest";
import { DeliveryFlow, TaskStatus } from "../gen/devserver/tasks/v1/tasks_pb";
import { BillingMode } from "../gen/devserver/work/v1/agent_pb";
import { task } from "../test/pageFixtures";
import { allowedActions, type TaskAction } from "./taskActions";
import { diffSettings, settingsLockReason, settingsOfTask } from "./taskSettings";

describe("diffSettings", () => {
  const t = task({
    backupVendor: "gemini",
    backupModel: "pro",
    turnLimit: { limit: { case: "maxTurns", value: 20 } },
    billingMode: BillingMode.API_KEY,
    allowedTools: ["Read"],
  });

  it("sends nothing when nothing changed", () => {
    const { request, changed } = diffSettings(t, settingsOfTask(t));
    expect(changed).toEqual([]);
    expect(request.id).toBe(42n);
    expect(request.vendor).toBeUndefined();
    expect(request.model).toBeUndefined();
    expect(request.backupVendor).toBeUndefined();
    expect(request.backupModel).toBeUndefined();
    expect(request.turnLimit).toBeUndefined();
    expect(request.clearTurnLimit).toBe(false);
    expect(request.billingMode).toBeUndefined();
    expect(request.deliveryFlow).toBeUndefined();
    expect(request.skipVerification).toBeUndefined();
    expect(request.allowedTools).toBeUndefined();
    expect(request.retired).toBeUndefined();
  });

  it("sends only the changed fields", () => {
    const edited = { ...settingsOfTask(t), model: "opus", deliveryFlow: DeliveryFlow.DIRECT_COMMIT, skipVerification: true };
    const { request, changed } = diffSettings(t, edited);
    expect(changed).toEqual(["model", "delivery flow", "verification"]);
    expect(request.model).toBe("opus");
    expect(request.deliveryFlow).toBe(DeliveryFlow.DIRECT_COMMIT);
    expect(request.skipVerification).toBe(true);
    expect(request.vendor).toBeUndefined();
    expect(request.billingMode).toBeUndefined();
  });

  it("removes the backup with an empty backup vendor, without a separate model", () => {
    const { request, changed } = diffSettings(t, { ...settingsOfTask(t), backupVendor: "", backupModel: "" });
    expect(changed).toEqual(["backup vendor"]);
    expect(request.backupVendor).toBe("");
    expect(request.backupModel).toBeUndefined();
  });

  it("changes only the backup model", () => {
    const { request, changed } = diffSettings(t, { ...settingsOfTask(t), backupModel: "flash" });
    expect(changed).toEqual(["backup model"]);
    expect(request.backupModel).toBe("flash");
    expect(request.backupVendor).toBeUndefined();
  });

  it("clears the turn limit back to the default, or sets a new one", () => {
    const back = diffSettings(t, { ...settingsOfTask(t), turns: { kind: "default" } }).request;
    expect(back.clearTurnLimit).toBe(true);
    expect(back.turnLimit).toBeUndefined();
    const unlimited = diffSettings(t, { ...settingsOfTask(t), turns: { kind: "unlimited" } }).request;
    expect(unlimited.clearTurnLimit).toBe(false);
    expect(unlimited.turnLimit?.limit).toEqual({ case: "unlimited", value: true });
    const more = diffSettings(t, { ...settingsOfTask(t), turns: { kind: "max", turns: 100 } }).request;
    expect(more.turnLimit?.limit).toEqual({ case: "maxTurns", value: 100 });
  });

  it("replaces the allowed tools (also with none) and the billing mode", () => {
    const none = diffSettings(t, { ...settingsOfTask(t), allowedTools: "", billingMode: BillingMode.SUBSCRIPTION });
    expect(none.changed).toEqual(["billing mode", "allowed tools"]);
    expect(none.request.allowedTools?.tools).toEqual([]);
    expect(none.request.billingMode).toBe(BillingMode.SUBSCRIPTION);
  });
});

describe("settingsLockReason", () => {
  it("locks while queued, running or verifying and says why", () => {
    for (const s of [TaskStatus.QUEUED, TaskStatus.RUNNING, TaskStatus.VERIFYING]) {
      expect(settingsLockReason(s)).toMatch(/settings can change only while/);
    }
    expect(settingsLockReason(TaskStatus.RUNNING)).toMatch(/^the task is running/);
    for (const s of [TaskStatus.PENDING, TaskStatus.DONE, TaskStatus.FAILED, TaskStatus.BLOCKED, TaskStatus.CANCELLED, TaskStatus.DELIVERING]) {
      expect(settingsLockReason(s)).toBeNull();
    }
  });
});

describe("allowedActions", () => {
  const list = (s: TaskStatus, retired = false): TaskAction[] => [...allowedActions(s, retired)].sort();
  it("follows the contract's preconditions for every status", () => {
    expect(list(TaskStatus.PENDING)).toEqual(["delete", "enqueue"]);
    expect(list(TaskStatus.QUEUED)).toEqual(["cancel"]);
    expect(list(TaskStatus.RUNNING)).toEqual(["cancel"]);
    expect(list(TaskStatus.VERIFYING)).toEqual(["cancel"]);
    expect(list(TaskStatus.DELIVERING)).toEqual(["cancel"]);
    expect(list(TaskStatus.DONE)).toEqual(["delete", "retire"]);
    expect(list(TaskStatus.FAILED)).toEqual(["delete", "retire", "retry"]);
    expect(list(TaskStatus.BLOCKED)).toEqual(["delete", "retire", "retry"]);
    expect(list(TaskStatus.CANCELLED)).toEqual(["delete", "retire", "retry"]);
    expect(list(TaskStatus.UNSPECIFIED)).toEqual([]);
  });
  it("offers bringing back instead of retiring a retired task", () => {
    expect(list(TaskStatus.DONE, true)).toEqual(["delete", "unretire"]);
    expect(list(TaskStatus.FAILED, true)).toEqual(["delete", "retry", "unretire"]);
  });
});
