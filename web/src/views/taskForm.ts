// The new-task form: its state, pre-filling from a template or an idea, checks, and the one function that turns
// it into a CreateTaskRequest (also the task of ConvertIdeaToTask).
import { create } from "@bufbuild/protobuf";
import type { Idea } from "../gen/devserver/ideas/v1/ideas_pb";
import { CreateTaskRequestSchema, DeliveryFlow, type CreateTaskRequest } from "../gen/devserver/tasks/v1/tasks_pb";
import type { TaskTemplate } from "../gen/devserver/templates/v1/templates_pb";
import { BillingMode } from "../gen/devserver/work/v1/agent_pb";
import {
  agentRequestFields,
  emptyAgentFields,
  parseList,
  turnChoiceOf,
  validateAgentFields,
  type AgentFields,
  type FieldErrors,
} from "./agentFields";

/** "auto" leaves CreateTaskRequest.enqueue unset, so the server's auto-enqueue setting decides. */
export type EnqueueChoice = "auto" | "now" | "pending";

export interface TaskForm {
  repository: string;
  title: string;
  description: string;
  acceptance: string;
  /** 1–4. */
  priority: number;
  agent: AgentFields;
  /** Comma or line separated. */
  labels: string;
  enqueue: EnqueueChoice;
}

export function emptyTaskForm(): TaskForm {
  return {
    repository: "",
    title: "",
    description: "",
    acceptance: "",
    priority: 3,
    agent: emptyAgentFields(),
    labels: "",
    enqueue: "auto",
  };
}

/**
 * Pre-fills the form from a template. The settings the template sets (repository, priority, labels, every agent
 * field) replace the form's; those it leaves empty keep the form's. Text already written (the description and
 * acceptance typed so far, or taken from an idea) is never replaced: the template's text only fills empty ones.
 * Verification is skipped when either says so.
 */
export function applyTemplate(form: TaskForm, t: TaskTemplate): TaskForm {
  const pick = (mine: string, theirs: string) => (theirs === "" ? mine : theirs);
  const a = form.agent;
  return {
    ...form,
    repository: pick(form.repository, t.repository),
    description: form.description.trim() === "" ? t.description : form.description,
    acceptance: form.acceptance.trim() === "" ? t.acceptance : form.acceptance,
    priority: t.priority >= 1 && t.priority <= 4 ? t.priority : form.priority,
    labels: t.labels.length > 0 ? t.labels.join(", ") : form.labels,
    agent: {
      vendor: pick(a.vendor, t.vendor),
      model: pick(a.model, t.model),
      backupVendor: pick(a.backupVendor, t.backupVendor),
      backupModel: pick(a.backupModel, t.backupModel),
      turns: t.turnLimit === undefined ? a.turns : turnChoiceOf(t.turnLimit),
      billingMode: t.billingMode === BillingMode.UNSPECIFIED ? a.billingMode : t.billingMode,
      deliveryFlow: t.deliveryFlow === DeliveryFlow.UNSPECIFIED ? a.deliveryFlow : t.deliveryFlow,
      skipVerification: a.skipVerification || t.skipVerification,
      allowedTools: t.allowedTools.length > 0 ? t.allowedTools.join("\n") : a.allowedTools,
    },
  };
}

/** The idea's title and markdown become the task's title and description. */
export function applyIdea(form: TaskForm, idea: Idea): TaskForm {
  return { ...form, title: idea.title.slice(0, 200), description: idea.content };
}

export function validateTaskForm(form: TaskForm, fromIdea = false): FieldErrors {
  const errors: FieldErrors = validateAgentFields(form.agent);
  if (form.repository.trim() === "") {
    errors.repository = "choose a repository";
  }
  const title = form.title.trim();
  // ConvertIdeaToTask takes an empty title from the idea.
  if (title === "" && !fromIdea) {
    errors.title = "a title is needed";
  } else if (title.length > 200) {
    errors.title = "the title is at most 200 characters";
  }
  if (new TextEncoder().encode(form.description).length > 64 * 1024) {
    errors.description = "the description is at most 64 KiB";
  }
  if (new TextEncoder().encode(form.acceptance).length > 16 * 1024) {
    errors.acceptance = "the acceptance text is at most 16 KiB";
  }
  const labels = parseList(form.labels);
  if (labels.length > 20) {
    errors.labels = "at most 20 labels";
  } else if (labels.some((l) => l.length > 64)) {
    errors.labels = "each label is at most 64 characters";
  }
  return errors;
}

/**
 * The request the form stands for. What the form shows is what is sent: a template only pre-fills the form
 * (request.template stays empty), so clearing a pre-filled field really clears it.
 */
export function buildCreateTaskRequest(form: TaskForm): CreateTaskRequest {
  const request = create(CreateTaskRequestSchema, {
    repository: form.repository.trim(),
    title: form.title.trim(),
    description: form.description,
    acceptance: form.acceptance,
    priority: form.priority,
    labels: parseList(form.labels),
    ...agentRequestFields(form.agent),
  });
  if (form.enqueue !== "auto") {
    request.enqueue = form.enqueue === "now";
  }
  return request;
}
