// Shared wording and number formats for the views.
import { timestampDate, type Timestamp, type Duration } from "@bufbuild/protobuf/wkt";
import { RunOutcome, TaskStatus } from "../gen/devserver/tasks/v1/tasks_pb";
import { AgentErrorKind } from "../gen/devserver/work/v1/activity_pb";
import { StageKind } from "../gen/devserver/work/v1/repository_pb";

export const STATUS_NAMES: Record<TaskStatus, string> = {
  [TaskStatus.UNSPECIFIED]: "unknown",
  [TaskStatus.PENDING]: "pending",
  [TaskStatus.QUEUED]: "queued",
  [TaskStatus.RUNNING]: "running",
  [TaskStatus.VERIFYING]: "verifying",
  [TaskStatus.DONE]: "done",
  [TaskStatus.FAILED]: "failed",
  [TaskStatus.BLOCKED]: "blocked",
  [TaskStatus.CANCELLED]: "cancelled",
  [TaskStatus.DELIVERING]: "delivering",
};

/** Statuses in lifecycle order, for filters. */
export const ALL_STATUSES: readonly TaskStatus[] = [
  TaskStatus.PENDING,
  TaskStatus.QUEUED,
  TaskStatus.RUNNING,
  TaskStatus.VERIFYING,
  TaskStatus.DELIVERING,
  TaskStatus.DONE,
  TaskStatus.FAILED,
  TaskStatus.BLOCKED,
  TaskStatus.CANCELLED,
];

export function statusName(status: TaskStatus): string {
  return STATUS_NAMES[status] ?? `status ${status}`;
}

export const OUTCOME_NAMES: Record<RunOutcome, string> = {
  [RunOutcome.UNSPECIFIED]: "unknown",
  [RunOutcome.RUNNING]: "running",
  [RunOutcome.SUCCEEDED]: "succeeded",
  [RunOutcome.FAILED]: "failed",
  [RunOutcome.TIMED_OUT]: "timed out",
  [RunOutcome.CANCELLED]: "cancelled",
  [RunOutcome.LOST]: "worker lost",
  [RunOutcome.BLOCKED]: "blocked",
};

export function outcomeName(outcome: RunOutcome): string {
  return OUTCOME_NAMES[outcome] ?? `outcome ${outcome}`;
}

export const ERROR_KIND_NAMES: Record<AgentErrorKind, string> = {
  [AgentErrorKind.UNSPECIFIED]: "",
  [AgentErrorKind.RATE_LIMITED]: "rate limited",
  [AgentErrorKind.AUTHENTICATION]: "authentication",
  [AgentErrorKind.BILLING]: "billing",
  [AgentErrorKind.OVERLOADED]: "vendor overloaded",
  [AgentErrorKind.MAX_TURNS]: "turn limit reached",
  [AgentErrorKind.CONTEXT_TOO_LONG]: "context too long",
  [AgentErrorKind.SESSION_NOT_FOUND]: "session not found",
  [AgentErrorKind.MODEL_UNAVAILABLE]: "model unavailable",
  [AgentErrorKind.CRASHED]: "agent crashed",
  [AgentErrorKind.INVALID_REQUEST]: "invalid request",
  [AgentErrorKind.OTHER]: "other",
};

export function errorKindName(kind: AgentErrorKind): string {
  return ERROR_KIND_NAMES[kind] ?? `error ${kind}`;
}

export function stageName(stage: StageKind): string {
  switch (stage) {
    case StageKind.PRE:
      return "pre";
    case StageKind.BUILD:
      return "build";
    case StageKind.TEST:
      return "test";
    case StageKind.LINT:
      return "lint";
    default:
      return "stage";
  }
}

export const PRIORITY_NAMES: Record<number, string> = { 1: "critical", 2: "high", 3: "medium", 4: "low" };

export function priorityName(priority: number): string {
  return PRIORITY_NAMES[priority] ?? `P${priority}`;
}

export function durationMs(d: Duration | undefined): number | undefined {
  if (d === undefined) {
    return undefined;
  }
  return Number(d.seconds) * 1000 + Math.round(d.nanos / 1e6);
}

/** 850 ms, 12.3 s, 4 min 05 s, 2 h 03 min. */
export function formatDuration(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) {
    return "—";
  }
  if (ms < 1000) {
    return `${Math.round(ms)} ms`;
  }
  const s = ms / 1000;
  if (s < 60) {
    return `${s.toFixed(1)} s`;
  }
  const totalSeconds = Math.round(s);
  const minutes = Math.floor(totalSeconds / 60);
  if (minutes < 60) {
    return `${minutes} min ${String(totalSeconds % 60).padStart(2, "0")} s`;
  }
  return `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, "0")} min`;
}

export function formatCost(usd: number): string {
  if (usd === 0) {
    return "—";
  }
  return usd < 0.01 ? `$${usd.toFixed(4)}` : `$${usd.toFixed(2)}`;
}

export function toDate(t: Timestamp | undefined): Date | undefined {
  return t === undefined ? undefined : timestampDate(t);
}

/** Local date and time, "2026-11-21 08:15:03". */
export function formatTime(t: Timestamp | undefined): string {
  const d = toDate(t);
  if (d === undefined) {
    return "—";
  }
  const p = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

/** "just now", "42 s ago", "5 min ago", "3 h ago", "2 d ago"; "in 4 min" for the future. */
export function formatAgo(t: Timestamp | undefined, now: number): string {
  const d = toDate(t);
  if (d === undefined) {
    return "never";
  }
  const diff = now - d.getTime();
  const future = diff < 0;
  const s = Math.abs(diff) / 1000;
  let text: string;
  if (s < 5) {
    return "just now";
  } else if (s < 60) {
    text = `${Math.round(s)} s`;
  } else if (s < 3600) {
    text = `${Math.round(s / 60)} min`;
  } else if (s < 86400) {
    text = `${Math.round(s / 3600)} h`;
  } else {
    text = `${Math.round(s / 86400)} d`;
  }
  return future ? `in ${text}` : `${text} ago`;
}

export function formatTokens(n: bigint): string {
  const v = Number(n);
  if (v >= 1e6) {
    return `${(v / 1e6).toFixed(1)}M`;
  }
  if (v >= 1e3) {
    return `${(v / 1e3).toFixed(1)}k`;
  }
  return String(v);
}
