// The task page's agent settings sidebar: when the settings may change, and the UpdateTask request that sends
// only what the person changed (unset fields keep their value on the server).
import { create } from "@bufbuild/protobuf";
import {
  AllowedToolsSchema,
  TaskStatus,
  TurnLimitSchema,
  UpdateTaskRequestSchema,
  type AgentTask,
  type UpdateTaskRequest,
} from "../gen/devserver/tasks/v1/tasks_pb";
import { agentFieldsOf, parseTools, sameTurns, turnLimitOf, type AgentFields } from "./agentFields";
import { statusName } from "./format";

/** Why the settings cannot change now (UpdateTask's FAILED_PRECONDITION), or null when they can. */
export function settingsLockReason(status: TaskStatus): string | null {
  switch (status) {
    case TaskStatus.QUEUED:
    case TaskStatus.RUNNING:
    case TaskStatus.VERIFYING:
      return `the task is ${statusName(status)}: settings can change only while it is not queued, running or verifying (cancel it first)`;
    default:
      return null;
  }
}

export function settingsOfTask(task: AgentTask): AgentFields {
  return agentFieldsOf(task);
}

export interface SettingsUpdate {
  request: UpdateTaskRequest;
  /** The changed fields' names, for "Save (3 changes)"; empty when nothing changed. */
  changed: string[];
}

export function diffSettings(task: AgentTask, edited: AgentFields): SettingsUpdate {
  const before = settingsOfTask(task);
  const request = create(UpdateTaskRequestSchema, { id: task.id });
  const changed: string[] = [];
  const vendor = edited.vendor.trim();
  const model = edited.model.trim();
  const backupVendor = edited.backupVendor.trim();
  const backupModel = edited.backupModel.trim();
  if (vendor !== before.vendor) {
    request.vendor = vendor;
    changed.push("vendor");
  }
  if (model !== before.model) {
    request.model = model;
    changed.push("model");
  }
  if (backupVendor !== before.backupVendor) {
    // The empty string removes the backup together with its model.
    request.backupVendor = backupVendor;
    changed.push("backup vendor");
  }
  if (backupVendor !== "" && backupModel !== before.backupModel) {
    request.backupModel = backupModel;
    changed.push("backup model");
  }
  if (!sameTurns(edited.turns, before.turns)) {
    const limit = turnLimitOf(edited.turns);
    if (limit === undefined) {
      request.clearTurnLimit = true;
    } else {
      request.turnLimit = create(TurnLimitSchema, limit);
    }
    changed.push("turn limit");
  }
  if (edited.billingMode !== before.billingMode) {
    request.billingMode = edited.billingMode;
    changed.push("billing mode");
  }
  if (edited.deliveryFlow !== before.deliveryFlow) {
    request.deliveryFlow = edited.deliveryFlow;
    changed.push("delivery flow");
  }
  if (edited.skipVerification !== before.skipVerification) {
    request.skipVerification = edited.skipVerification;
    changed.push("verification");
  }
  const tools = parseTools(edited.allowedTools);
  const oldTools = task.allowedTools;
  if (tools.length !== oldTools.length || tools.some((t, i) => t !== oldTools[i])) {
    request.allowedTools = create(AllowedToolsSchema, { tools });
    changed.push("allowed tools");
  }
  return { request, changed };
}
