// The template form (the same agent fields as a task) and the templates table's rows.
import { create } from "@bufbuild/protobuf";
import { DeliveryFlow } from "../gen/devserver/tasks/v1/tasks_pb";
import { TaskTemplateSchema, type TaskTemplate } from "../gen/devserver/templates/v1/templates_pb";
import { BillingMode } from "../gen/devserver/work/v1/agent_pb";
import {
  agentFieldsOf,
  agentRequestFields,
  billingName,
  emptyAgentFields,
  flowName,
  parseList,
  turnLimitText,
  validateAgentFields,
  vendorModelText,
  type AgentFields,
  type FieldErrors,
} from "./agentFields";

export interface TemplateForm {
  name: string;
  repository: string;
  description: string;
  acceptance: string;
  /** 0: none (the task's own), else 1–4. */
  priority: number;
  labels: string;
  agent: AgentFields;
}

export function emptyTemplateForm(): TemplateForm {
  return { name: "", repository: "", description: "", acceptance: "", priority: 0, labels: "", agent: emptyAgentFields() };
}

export function templateFormOf(t: TaskTemplate): TemplateForm {
  return {
    name: t.name,
    repository: t.repository,
    description: t.description,
    acceptance: t.acceptance,
    priority: t.priority,
    labels: t.labels.join(", "),
    agent: agentFieldsOf(t),
  };
}

export function validateTemplateForm(form: TemplateForm): FieldErrors {
  const errors = validateAgentFields(form.agent);
  const name = form.name.trim();
  if (name === "" || name.length > 100) {
    errors.name = "a name of 1–100 characters is needed";
  }
  const labels = parseList(form.labels);
  if (labels.length > 20) {
    errors.labels = "at most 20 labels";
  }
  return errors;
}

/** The template to store; id 0n for a new one (CreateTemplate ignores it), the stored id for UpdateTemplate. */
export function buildTemplate(form: TemplateForm, id = 0n): TaskTemplate {
  return create(TaskTemplateSchema, {
    id,
    name: form.name.trim(),
    repository: form.repository.trim(),
    description: form.description,
    acceptance: form.acceptance,
    priority: form.priority,
    labels: parseList(form.labels),
    ...agentRequestFields(form.agent),
  });
}

export interface TemplateRow {
  id: bigint;
  name: string;
  flow: string;
  vendorModel: string;
  billing: string;
  turns: string;
}

export function templateRow(t: TaskTemplate): TemplateRow {
  return {
    id: t.id,
    name: t.name,
    // Empty template fields leave the task's own value: "—", not the default's name.
    flow: t.deliveryFlow === DeliveryFlow.UNSPECIFIED ? "—" : flowName(t.deliveryFlow),
    vendorModel: vendorModelText(t.vendor, t.model),
    billing: t.billingMode === BillingMode.UNSPECIFIED ? "—" : billingName(t.billingMode),
    turns: t.turnLimit === undefined ? "—" : turnLimitText(t.turnLimit),
  };
}
