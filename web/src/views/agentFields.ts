// The agent settings shared by the new-task form, the task's settings sidebar and the template form: vendor and
// model, backup, turn limit, billing, delivery flow, verification and allowed tools, as plain form state.
import type { MessageInitShape } from "@bufbuild/protobuf";
import { DeliveryFlow, type TurnLimit, type TurnLimitSchema } from "../gen/devserver/tasks/v1/tasks_pb";
import { BillingMode } from "../gen/devserver/work/v1/agent_pb";

/** The three meanings of a turn limit: the configured default (unset), a number, or a deliberate "unlimited". */
export type TurnChoice = { kind: "default" } | { kind: "unlimited" } | { kind: "max"; turns: number };

export interface AgentFields {
  vendor: string;
  model: string;
  backupVendor: string;
  backupModel: string;
  turns: TurnChoice;
  billingMode: BillingMode;
  deliveryFlow: DeliveryFlow;
  skipVerification: boolean;
  /** One tool per line, in the vendor's syntax; empty: the vendor's default set. */
  allowedTools: string;
}

/** Vendors the sidecars ship with; the field also takes a third-party id. */
export const KNOWN_VENDORS = ["script", "claude", "gemini", "codex", "glm"] as const;

export const TURN_PRESETS = [10, 20, 50, 100] as const;
export const MAX_TURNS = 10_000;

export const BILLING_NAMES: Record<BillingMode, string> = {
  [BillingMode.UNSPECIFIED]: "worker default",
  [BillingMode.API_KEY]: "API key",
  [BillingMode.SUBSCRIPTION]: "subscription",
};

export const FLOW_NAMES: Record<DeliveryFlow, string> = {
  [DeliveryFlow.UNSPECIFIED]: "repository default",
  [DeliveryFlow.PULL_REQUEST]: "pull request",
  [DeliveryFlow.DIRECT_COMMIT]: "direct commit",
  [DeliveryFlow.PATCH]: "patch only",
};

export function billingName(mode: BillingMode): string {
  return BILLING_NAMES[mode] ?? `billing ${mode}`;
}

export function flowName(flow: DeliveryFlow): string {
  return FLOW_NAMES[flow] ?? `flow ${flow}`;
}

export function emptyAgentFields(): AgentFields {
  return {
    vendor: "",
    model: "",
    backupVendor: "",
    backupModel: "",
    turns: { kind: "default" },
    billingMode: BillingMode.UNSPECIFIED,
    deliveryFlow: DeliveryFlow.UNSPECIFIED,
    skipVerification: false,
    allowedTools: "",
  };
}

export function turnChoiceOf(limit: TurnLimit | undefined): TurnChoice {
  switch (limit?.limit.case) {
    case "maxTurns":
      return { kind: "max", turns: limit.limit.value };
    case "unlimited":
      return limit.limit.value ? { kind: "unlimited" } : { kind: "default" };
    default:
      return { kind: "default" };
  }
}

export function turnLimitOf(choice: TurnChoice): MessageInitShape<typeof TurnLimitSchema> | undefined {
  switch (choice.kind) {
    case "default":
      return undefined;
    case "unlimited":
      return { limit: { case: "unlimited", value: true } };
    case "max":
      return { limit: { case: "maxTurns", value: choice.turns } };
  }
}

export function sameTurns(a: TurnChoice, b: TurnChoice): boolean {
  if (a.kind !== b.kind) {
    return false;
  }
  return a.kind !== "max" || (b.kind === "max" && a.turns === b.turns);
}

/** "default", "unlimited" or the number. */
export function turnsText(choice: TurnChoice): string {
  switch (choice.kind) {
    case "default":
      return "default";
    case "unlimited":
      return "unlimited";
    case "max":
      return String(choice.turns);
  }
}

export function turnLimitText(limit: TurnLimit | undefined): string {
  return turnsText(turnChoiceOf(limit));
}

/** Splits a list typed one per line or comma-separated; trims, drops empties and duplicates, keeps order. */
export function parseList(text: string, separators: RegExp = /[\n,]/): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const part of text.split(separators)) {
    const item = part.trim();
    if (item !== "" && !seen.has(item)) {
      seen.add(item);
      out.push(item);
    }
  }
  return out;
}

/** Allowed tools may contain commas ("Bash(git log:*, git diff)"), so they are one per line only. */
export function parseTools(text: string): string[] {
  return parseList(text, /\n/);
}

interface AgentSource {
  vendor: string;
  model: string;
  backupVendor: string;
  backupModel: string;
  turnLimit?: TurnLimit | undefined;
  billingMode: BillingMode;
  deliveryFlow: DeliveryFlow;
  skipVerification: boolean;
  allowedTools: readonly string[];
}

/** The fields of a task or a template. */
export function agentFieldsOf(source: AgentSource): AgentFields {
  return {
    vendor: source.vendor,
    model: source.model,
    backupVendor: source.backupVendor,
    backupModel: source.backupModel,
    turns: turnChoiceOf(source.turnLimit),
    billingMode: source.billingMode,
    deliveryFlow: source.deliveryFlow,
    skipVerification: source.skipVerification,
    allowedTools: source.allowedTools.join("\n"),
  };
}

/** The request shape of the fields, shared by CreateTaskRequest and TaskTemplate (which name them alike). */
export function agentRequestFields(f: AgentFields) {
  const backupVendor = f.backupVendor.trim();
  return {
    vendor: f.vendor.trim(),
    model: f.model.trim(),
    backupVendor,
    // The contract allows a backup model only with a backup vendor.
    backupModel: backupVendor === "" ? "" : f.backupModel.trim(),
    turnLimit: turnLimitOf(f.turns),
    billingMode: f.billingMode,
    deliveryFlow: f.deliveryFlow,
    skipVerification: f.skipVerification,
    allowedTools: parseTools(f.allowedTools),
  };
}

export type FieldErrors = Partial<Record<string, string>>;

/** What the server would reject, said before sending (the server still has the last word). */
export function validateAgentFields(f: AgentFields): FieldErrors {
  const errors: FieldErrors = {};
  const vendor = f.vendor.trim();
  const backup = f.backupVendor.trim();
  if (backup !== "" && backup === (vendor === "" ? "script" : vendor)) {
    errors.backupVendor = "the backup vendor must differ from the vendor";
  }
  if (backup === "" && f.backupModel.trim() !== "") {
    errors.backupModel = "a backup model needs a backup vendor";
  }
  if (f.turns.kind === "max" && (!Number.isInteger(f.turns.turns) || f.turns.turns < 1 || f.turns.turns > MAX_TURNS)) {
    errors.turns = `the turn limit is a whole number from 1 to ${MAX_TURNS}`;
  }
  const tools = parseTools(f.allowedTools);
  if (tools.length > 50) {
    errors.allowedTools = "at most 50 allowed tools";
  } else if (tools.some((t) => t.length > 200)) {
    errors.allowedTools = "each allowed tool is at most 200 characters";
  }
  return errors;
}

export function vendorModelText(vendor: string, model: string): string {
  if (vendor === "") {
    return model === "" ? "—" : model;
  }
  return model === "" ? vendor : `${vendor}/${model}`;
}
