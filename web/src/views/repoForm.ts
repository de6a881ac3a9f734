// The repository form: state, checks, and the AddRepository / UpdateRepository requests. The forge token is
// write-only: the form never sees the stored one, only whether there is one, and says what to do with it.
import { create } from "@bufbuild/protobuf";
import { type Duration, DurationSchema } from "@bufbuild/protobuf/wkt";
import {
  AddRepositoryRequestSchema,
  DeliverySettingsSchema,
  ForgeKind,
  UpdateRepositoryRequestSchema,
  VerificationCommandsSchema,
  type AddRepositoryRequest,
  type DeliverySettings,
  type Repository,
  type UpdateRepositoryRequest,
} from "../gen/devserver/repositories/v1/repositories_pb";
import { DeliveryFlow } from "../gen/devserver/tasks/v1/tasks_pb";
import { parseList, type FieldErrors } from "./agentFields";
import { formatAgo, stageName } from "./format";

/** keep: leave the stored token alone; set: store the typed one; clear: remove the stored one. */
export type TokenAction = "keep" | "set" | "clear";

export interface RepoForm {
  name: string;
  location: string;
  defaultBranch: string;
  pre: string;
  build: string;
  test: string;
  lint: string;
  detectCommands: boolean;
  defaultFlow: DeliveryFlow;
  forge: ForgeKind;
  forgeApiUrl: string;
  forgeRepository: string;
  tokenAction: TokenAction;
  token: string;
  /** One glob per line. */
  denyPaths: string;
  allowPaths: string;
  allowedAuthorEmails: string;
  /** Whole numbers as typed; "" means the default. */
  maxDiffBytes: string;
  maxFiles: string;
  /** Whether lock files (package-lock.json, go.sum, …) may be delivered; off blocks dependency bumps. */
  allowLockFiles: boolean;
  maxAttempts: string;
  attemptTimeoutMinutes: string;
  stageTimeoutMinutes: string;
}

export const FORGE_NAMES: Record<ForgeKind, string> = {
  [ForgeKind.UNSPECIFIED]: "derived from the location",
  [ForgeKind.NONE]: "none",
  [ForgeKind.GITEA]: "Gitea / Forgejo",
  [ForgeKind.GITHUB]: "GitHub",
};

export function emptyRepoForm(): RepoForm {
  return {
    name: "",
    location: "",
    defaultBranch: "main",
    pre: "",
    build: "",
    test: "",
    lint: "",
    detectCommands: true,
    defaultFlow: DeliveryFlow.UNSPECIFIED,
    forge: ForgeKind.UNSPECIFIED,
    forgeApiUrl: "",
    forgeRepository: "",
    tokenAction: "keep",
    token: "",
    denyPaths: "",
    allowPaths: "",
    allowedAuthorEmails: "",
    maxDiffBytes: "",
    maxFiles: "",
    allowLockFiles: false,
    maxAttempts: "",
    attemptTimeoutMinutes: "",
    stageTimeoutMinutes: "",
  };
}

function minutesText(d: Duration | undefined): string {
  if (d === undefined) {
    return "";
  }
  const minutes = (Number(d.seconds) + d.nanos / 1e9) / 60;
  return String(Math.round(minutes * 100) / 100);
}

export function repoFormOf(r: Repository): RepoForm {
  const p = r.delivery?.preflight;
  return {
    name: r.name,
    location: r.location,
    defaultBranch: r.defaultBranch,
    pre: r.commands?.pre ?? "",
    build: r.commands?.build ?? "",
    test: r.commands?.test ?? "",
    lint: r.commands?.lint ?? "",
    detectCommands: r.detectCommands,
    defaultFlow: r.delivery?.defaultFlow ?? DeliveryFlow.UNSPECIFIED,
    forge: r.delivery?.forge ?? ForgeKind.UNSPECIFIED,
    forgeApiUrl: r.delivery?.forgeApiUrl ?? "",
    forgeRepository: r.delivery?.forgeRepository ?? "",
    tokenAction: "keep",
    token: "",
    denyPaths: (p?.denyPaths ?? []).join("\n"),
    allowPaths: (p?.allowPaths ?? []).join("\n"),
    allowedAuthorEmails: (p?.allowedAuthorEmails ?? []).join("\n"),
    maxDiffBytes: p === undefined || p.maxDiffBytes === 0n ? "" : String(p.maxDiffBytes),
    maxFiles: p === undefined || p.maxFiles === 0 ? "" : String(p.maxFiles),
    allowLockFiles: p?.allowLockFiles ?? false,
    maxAttempts: r.maxAttempts === 0 ? "" : String(r.maxAttempts),
    attemptTimeoutMinutes: minutesText(r.attemptTimeout),
    stageTimeoutMinutes: minutesText(r.stageTimeout),
  };
}

const NAME = /^[A-Za-z][A-Za-z0-9._-]{0,63}$/;

function wholeNumber(text: string): number | undefined {
  const t = text.trim();
  return /^\d+$/.test(t) ? Number(t) : undefined;
}

function positiveMinutes(text: string): number | undefined {
  const t = text.trim();
  if (!/^\d+(\.\d+)?$/.test(t)) {
    return undefined;
  }
  const n = Number(t);
  return n > 0 ? n : undefined;
}

export function validateRepoForm(form: RepoForm, adding: boolean): FieldErrors {
  const errors: FieldErrors = {};
  if (adding && !NAME.test(form.name.trim())) {
    errors.name = "1–64 characters: a letter, then letters, digits, '.', '_' or '-'";
  }
  const location = form.location.trim();
  if (location === "") {
    errors.location = "a git URL or an absolute folder path is needed";
  } else if (!/^(https?|ssh|git|file):\/\//.test(location) && !location.startsWith("/")) {
    errors.location = "use a git URL (https://, ssh://, git://, file://) or an absolute folder path";
  }
  if (form.maxAttempts.trim() !== "") {
    const n = wholeNumber(form.maxAttempts);
    if (n === undefined || n < 1 || n > 10) {
      errors.maxAttempts = "attempts are a whole number from 1 to 10";
    }
  }
  for (const key of ["attemptTimeoutMinutes", "stageTimeoutMinutes"] as const) {
    if (form[key].trim() !== "" && positiveMinutes(form[key]) === undefined) {
      errors[key] = "minutes, more than 0";
    }
  }
  for (const key of ["maxDiffBytes", "maxFiles"] as const) {
    if (form[key].trim() !== "" && wholeNumber(form[key]) === undefined) {
      errors[key] = "a whole number (empty: the default)";
    }
  }
  if (form.tokenAction === "set" && form.token.trim() === "") {
    // An empty token would remove the stored one: say so instead of doing it.
    errors.token = "type the token to store, or choose keep or clear";
  }
  return errors;
}

function minutesDuration(text: string): Duration | undefined {
  const minutes = positiveMinutes(text);
  if (minutes === undefined) {
    return undefined;
  }
  const ms = Math.round(minutes * 60_000);
  return create(DurationSchema, { seconds: BigInt(Math.floor(ms / 1000)), nanos: (ms % 1000) * 1e6 });
}

function deliveryOf(form: RepoForm): DeliverySettings {
  return create(DeliverySettingsSchema, {
    defaultFlow: form.defaultFlow,
    forge: form.forge,
    forgeApiUrl: form.forgeApiUrl.trim(),
    forgeRepository: form.forgeRepository.trim(),
    preflight: {
      denyPaths: parseList(form.denyPaths, /\n/),
      allowPaths: parseList(form.allowPaths, /\n/),
      allowedAuthorEmails: parseList(form.allowedAuthorEmails, /[\n,]/),
      maxDiffBytes: BigInt(wholeNumber(form.maxDiffBytes) ?? 0),
      maxFiles: wholeNumber(form.maxFiles) ?? 0,
      allowLockFiles: form.allowLockFiles,
    },
  });
}

function commandsOf(form: RepoForm) {
  return create(VerificationCommandsSchema, { pre: form.pre.trim(), build: form.build.trim(), test: form.test.trim(), lint: form.lint.trim() });
}

export function buildAddRepositoryRequest(form: RepoForm): AddRepositoryRequest {
  const request = create(AddRepositoryRequestSchema, {
    name: form.name.trim(),
    location: form.location.trim(),
    defaultBranch: form.defaultBranch.trim(),
    commands: commandsOf(form),
    maxAttempts: wholeNumber(form.maxAttempts) ?? 0,
    detectCommands: form.detectCommands,
    delivery: deliveryOf(form),
  });
  request.stageTimeout = minutesDuration(form.stageTimeoutMinutes);
  request.attemptTimeout = minutesDuration(form.attemptTimeoutMinutes);
  if (form.tokenAction === "set" && form.token.trim() !== "") {
    request.forgeToken = form.token.trim();
  }
  return request;
}

/** Only what changed is sent (unset fields keep their value); commands and delivery go as a whole when any part changed. */
export function buildUpdateRepositoryRequest(original: Repository, form: RepoForm): { request: UpdateRepositoryRequest; changed: string[] } {
  const before = repoFormOf(original);
  const request = create(UpdateRepositoryRequestSchema, { repository: String(original.id) });
  const changed: string[] = [];
  if (form.location.trim() !== before.location) {
    request.location = form.location.trim();
    changed.push("location");
  }
  if (form.defaultBranch.trim() !== before.defaultBranch) {
    request.defaultBranch = form.defaultBranch.trim();
    changed.push("default branch");
  }
  const commands = commandsOf(form);
  if (commands.pre !== before.pre || commands.build !== before.build || commands.test !== before.test || commands.lint !== before.lint) {
    request.commands = commands;
    changed.push("commands");
  }
  if (form.detectCommands !== before.detectCommands) {
    request.detectCommands = form.detectCommands;
    changed.push("detect commands");
  }
  const attempts = wholeNumber(form.maxAttempts);
  if (attempts !== undefined && String(attempts) !== before.maxAttempts) {
    request.maxAttempts = attempts;
    changed.push("attempts");
  }
  // An emptied time limit cannot be "unset" through UpdateRepository: empty keeps the stored value.
  if (form.attemptTimeoutMinutes.trim() !== "" && form.attemptTimeoutMinutes.trim() !== before.attemptTimeoutMinutes) {
    request.attemptTimeout = minutesDuration(form.attemptTimeoutMinutes);
    changed.push("attempt time limit");
  }
  if (form.stageTimeoutMinutes.trim() !== "" && form.stageTimeoutMinutes.trim() !== before.stageTimeoutMinutes) {
    request.stageTimeout = minutesDuration(form.stageTimeoutMinutes);
    changed.push("stage time limit");
  }
  const delivery = deliveryOf(form);
  const oldDelivery = deliveryOf(before);
  if (JSON.stringify(deliveryKey(delivery)) !== JSON.stringify(deliveryKey(oldDelivery))) {
    request.delivery = delivery;
    changed.push("delivery");
  }
  if (form.tokenAction === "set" && form.token.trim() !== "") {
    request.forgeToken = form.token.trim();
    changed.push("forge token");
  } else if (form.tokenAction === "clear") {
    request.forgeToken = "";
    changed.push("forge token");
  }
  return { request, changed };
}

function deliveryKey(d: DeliverySettings) {
  const p = d.preflight;
  return [
    d.defaultFlow,
    d.forge,
    d.forgeApiUrl,
    d.forgeRepository,
    p?.denyPaths ?? [],
    p?.allowPaths ?? [],
    p?.allowedAuthorEmails ?? [],
    String(p?.maxDiffBytes ?? 0n),
    p?.maxFiles ?? 0,
    p?.allowLockFiles ?? false,
  ];
}

/** The four stages, in the order the verifier runs them. */
export const STAGE_KEYS = ["pre", "build", "test", "lint"] as const;
export type StageKey = (typeof STAGE_KEYS)[number];

/**
 * What the verifier last detected for each stage that `commands` leaves empty (a stage with a command of its own
 * runs that command, so an older detection would only mislead): "detected: make build (Makefile target "build",
 * task 12, 5 min ago)". Pass the stored commands for the list, the form's (as typed) for the editor.
 */
export function detectedHints(r: Repository, commands: Record<StageKey, string>, now: number): Partial<Record<StageKey, string>> {
  const hints: Partial<Record<StageKey, string>> = {};
  for (const d of r.detectedCommands) {
    const key = stageName(d.stage);
    if (!isStageKey(key) || commands[key].trim() !== "") {
      continue;
    }
    const from = d.detectedFrom === "" ? "" : `${d.detectedFrom}, `;
    hints[key] = `detected: ${d.command} (${from}task ${String(d.taskId)}, ${formatAgo(d.detectedAt, now)})`;
  }
  return hints;
}

function isStageKey(key: string): key is StageKey {
  return (STAGE_KEYS as readonly string[]).includes(key);
}
