// TaskEvent → what one row of the timeline shows. Pure, so every event kind is tested without a browser.
import type { TaskEvent } from "../gen/devserver/events/v1/events_pb";
import { OutputSource } from "../gen/devserver/events/v1/events_pb";
import { DeliveryFlow, RunOutcome, TaskStatus } from "../gen/devserver/tasks/v1/tasks_pb";
import { RateLimitState, type AgentActivity, type TokenUsage } from "../gen/devserver/work/v1/activity_pb";
import {
  durationMs,
  errorKindName,
  formatCost,
  formatDuration,
  formatTime,
  formatTokens,
  outcomeName,
  stageName,
  statusName,
} from "./format";

export type Tone = "info" | "ok" | "warn" | "error" | "muted";

export interface EventRow {
  sequence: bigint;
  time: string;
  attempt: number;
  /** A stable tag per kind, for filters and styling (e.g. "status", "agent.tool_call"). */
  kind: string;
  /** Short label shown in the kind column. */
  label: string;
  /** One line summary. */
  summary: string;
  /** Further lines shown when the row is opened. */
  details: string[];
  tone: Tone;
}

function flowName(flow: DeliveryFlow): string {
  switch (flow) {
    case DeliveryFlow.PULL_REQUEST:
      return "pull request";
    case DeliveryFlow.DIRECT_COMMIT:
      return "direct commit";
    case DeliveryFlow.PATCH:
      return "patch only";
    default:
      return "default flow";
  }
}

function usageText(u: TokenUsage | undefined): string {
  if (u === undefined) {
    return "";
  }
  return `in ${formatTokens(u.inputTokens)}, out ${formatTokens(u.outputTokens)}, cache read ${formatTokens(u.cacheReadTokens)}, cache write ${formatTokens(u.cacheWriteTokens)}`;
}

function vendorModel(vendor: string, model: string): string {
  return model === "" ? vendor : `${vendor}/${model}`;
}

function sourceName(source: OutputSource): string {
  switch (source) {
    case OutputSource.AGENT:
      return "agent";
    case OutputSource.VERIFIER:
      return "verifier";
    case OutputSource.WORKER:
      return "worker";
    default:
      return "output";
  }
}

type Body = Pick<EventRow, "kind" | "label" | "summary" | "details" | "tone">;

function activityBody(a: AgentActivity): Body {
  const k = a.kind;
  switch (k.case) {
    case "sessionStarted":
      return {
        kind: "agent.session",
        label: k.value.resumed ? "session resumed" : "session",
        summary: `${k.value.model || "model ?"} · session ${k.value.sessionId}`,
        details: k.value.tools.length > 0 ? [`tools: ${k.value.tools.join(", ")}`] : [],
        tone: "info",
      };
    case "text":
      return {
        kind: k.value.reasoning ? "agent.reasoning" : "agent.text",
        label: k.value.reasoning ? "thinking" : "says",
        summary: firstLine(k.value.text),
        details: k.value.text.includes("\n") ? k.value.text.split("\n") : [],
        tone: k.value.reasoning ? "muted" : "info",
      };
    case "toolCall":
      return {
        kind: "agent.tool_call",
        label: `▶ ${k.value.name}`,
        summary: k.value.summary,
        details: [`call ${k.value.callId}`],
        tone: "info",
      };
    case "toolResult":
      return {
        kind: "agent.tool_result",
        label: k.value.ok ? "◀ ok" : "◀ error",
        summary: k.value.summary,
        details: [`call ${k.value.callId}`],
        tone: k.value.ok ? "ok" : "warn",
      };
    case "usage":
      return { kind: "agent.usage", label: "tokens", summary: usageText(k.value), details: [], tone: "muted" };
    case "rateLimit": {
      const state = k.value.state;
      const word =
        state === RateLimitState.REJECTED ? "rejected" : state === RateLimitState.WARNING ? "near the limit" : "allowed";
      const resets = k.value.resetsAt === undefined ? "" : ` · resets ${formatTime(k.value.resetsAt)}`;
      return {
        kind: "agent.rate_limit",
        label: "rate limit",
        summary: `${k.value.limit || "limit"}: ${word}${resets}`,
        details: k.value.message === "" ? [] : [k.value.message],
        tone: state === RateLimitState.REJECTED ? "error" : state === RateLimitState.WARNING ? "warn" : "muted",
      };
    }
    case "vendorRetry": {
      const of = k.value.maxAttempts > 0 ? `/${k.value.maxAttempts}` : "";
      const delay = k.value.delay === undefined ? "" : ` in ${formatDuration(durationMs(k.value.delay))}`;
      return {
        kind: "agent.vendor_retry",
        label: "vendor retry",
        summary: `retry ${k.value.attempt}${of}${delay}: ${k.value.reason}`,
        details: [],
        tone: "warn",
      };
    }
    case "notice":
      return {
        kind: "agent.notice",
        label: k.value.error ? "agent error" : "agent warning",
        summary: k.value.message,
        details: [],
        tone: k.value.error ? "error" : "warn",
      };
    case "report": {
      const r = k.value;
      const parts = [
        r.success ? "succeeded" : `failed${r.errorKind ? ` (${errorKindName(r.errorKind)})` : ""}`,
        `${r.turns} turns`,
        formatCost(r.costUsd),
        formatDuration(durationMs(r.duration)),
      ].filter((p) => p !== "—");
      const details = [r.message, usageText(r.usage)];
      if (r.resetsAt !== undefined) {
        details.push(`limit resets ${formatTime(r.resetsAt)}`);
      }
      if (r.sessionId !== "") {
        details.push(`session ${r.sessionId}`);
      }
      return {
        kind: "agent.report",
        label: "report",
        summary: parts.join(" · "),
        details: details.filter((d) => d !== ""),
        tone: r.success ? "ok" : "error",
      };
    }
    case "unknown":
      return {
        kind: "agent.unknown",
        label: k.value.type || "vendor event",
        summary: firstLine(k.value.json),
        details: [k.value.json],
        tone: "muted",
      };
    default:
      return { kind: "agent.empty", label: "agent", summary: "", details: [], tone: "muted" };
  }
}

function firstLine(text: string): string {
  const i = text.indexOf("\n");
  return i < 0 ? text : `${text.slice(0, i)} …`;
}

function body(e: TaskEvent): Body {
  const k = e.kind;
  switch (k.case) {
    case "created":
      return { kind: "created", label: "created", summary: `${k.value.title} (${k.value.repository})`, details: [], tone: "info" };
    case "statusChanged": {
      const to = k.value.to;
      const tone: Tone =
        to === TaskStatus.DONE ? "ok" : to === TaskStatus.FAILED || to === TaskStatus.BLOCKED ? "error" : to === TaskStatus.CANCELLED ? "warn" : "info";
      return {
        kind: "status",
        label: "status",
        summary: `${statusName(k.value.from)} → ${statusName(to)}${k.value.reason ? ` · ${k.value.reason}` : ""}`,
        details: [],
        tone,
      };
    }
    case "attemptStarted":
      return {
        kind: "attempt",
        label: k.value.work === "verify" ? "verification" : "attempt",
        summary:
          k.value.work === "verify"
            ? `verifying on ${k.value.workerName || k.value.workerId}`
            : `${vendorModel(k.value.vendor, k.value.model)} on ${k.value.workerName || k.value.workerId}`,
        details: [`worker ${k.value.workerId}`],
        tone: "info",
      };
    case "outputLine": {
      const where = k.value.source === OutputSource.VERIFIER ? `${stageName(k.value.stage)}` : sourceName(k.value.source);
      return {
        kind: "output",
        label: k.value.stderr ? `${where} err` : where,
        summary: k.value.text,
        details: [],
        tone: k.value.stderr ? "warn" : "muted",
      };
    }
    case "agentActivity":
      return activityBody(k.value);
    case "agentFinished": {
      const f = k.value;
      const exit = f.exitCode === undefined ? "" : ` · exit ${f.exitCode}`;
      return {
        kind: "agent_finished",
        label: "agent finished",
        summary: `${outcomeName(f.outcome)}${exit} · ${f.commitCount} commit${f.commitCount === 1 ? "" : "s"} · ${formatDuration(durationMs(f.duration))}`,
        details: f.error === "" ? [] : [f.error],
        tone: f.outcome === RunOutcome.SUCCEEDED ? "ok" : "error",
      };
    }
    case "stageStarted":
      return {
        kind: "stage_started",
        label: `${stageName(k.value.stage)} ▶`,
        summary: k.value.command,
        details: k.value.detectedFrom === "" ? [] : [`detected from ${k.value.detectedFrom}`],
        tone: "info",
      };
    case "stageFinished": {
      const s = k.value;
      const how = s.timedOut ? "timed out" : s.preExisting ? "failed before too (pre-existing)" : s.passed ? "passed" : "failed";
      const exit = s.exitCode === undefined ? "" : ` · exit ${s.exitCode}`;
      return {
        kind: "stage_finished",
        label: `${stageName(s.stage)} ◼`,
        summary: `${how}${exit} · ${formatDuration(durationMs(s.duration))}`,
        details: [],
        tone: s.timedOut || !s.passed ? "error" : s.preExisting ? "warn" : "ok",
      };
    }
    case "retryScheduled": {
      const r = k.value;
      return {
        kind: "retry",
        label: "retry",
        summary: `attempt ${r.nextAttempt} not before ${formatTime(r.notBefore)}${r.attemptGivenBack ? " (attempt given back)" : ""}`,
        details: r.reason === "" ? [] : [r.reason],
        tone: "warn",
      };
    }
    case "workerLost":
      return {
        kind: "worker_lost",
        label: "worker lost",
        summary: `${k.value.workerName || k.value.workerId} disappeared; the task goes back to the queue`,
        details: [],
        tone: "warn",
      };
    case "taskUpdated":
      return { kind: "updated", label: "edited", summary: `changed ${k.value.fields.join(", ")}`, details: [], tone: "muted" };
    case "vendorPaused":
      return {
        kind: "vendor_paused",
        label: "vendor paused",
        summary: `${k.value.vendor}${k.value.account ? ` (${k.value.account})` : ""} until ${formatTime(k.value.until)}`,
        details: k.value.reason === "" ? [] : [k.value.reason],
        tone: "warn",
      };
    case "failedOver": {
      const f = k.value;
      return {
        kind: "failover",
        label: "failover",
        summary: `${vendorModel(f.fromVendor, f.fromModel)} → ${vendorModel(f.toVendor, f.toModel)} · ${f.carriedCommits} commit${f.carriedCommits === 1 ? "" : "s"} carried over`,
        details: f.reason === "" ? [] : [f.reason],
        tone: "warn",
      };
    }
    case "failureClassified": {
      const f = k.value;
      return {
        kind: "failure_class",
        label: f.hard ? "hard failure" : "failure",
        summary: `${f.key} (${f.source}${f.repeat > 1 ? `, ${f.repeat}× in a row` : ""})${f.hint ? ` · ${f.hint}` : ""}`,
        details: [f.hint, ...f.evidence].filter((d) => d !== ""),
        tone: f.hard || f.repeat > 1 ? "error" : "warn",
      };
    }
    case "deliveryStarted":
      return { kind: "delivery_started", label: "delivery", summary: `started (${flowName(k.value.flow)})`, details: [], tone: "info" };
    case "preflightFinding": {
      const p = k.value;
      const where = p.file === "" ? "" : ` ${p.file}${p.line > 0 ? `:${p.line}` : ""}`;
      return { kind: "preflight", label: "preflight", summary: `${p.rule}${where}`, details: p.preview === "" ? [] : [p.preview], tone: "error" };
    }
    case "delivered": {
      const d = k.value;
      const target = d.pullRequestUrl || (d.branch === "" ? "patch ready" : `${d.branch}${d.commit ? ` @ ${d.commit.slice(0, 12)}` : ""}`);
      return { kind: "delivered", label: "delivered", summary: `${flowName(d.flow)}: ${target}`, details: [], tone: "ok" };
    }
    case "deliveryFailed": {
      const d = k.value;
      return {
        kind: "delivery_failed",
        label: "delivery failed",
        summary: d.retrying ? `${d.reason} · retrying at ${formatTime(d.nextAttemptAt)}` : `${d.reason} · task blocked`,
        details: [],
        tone: d.retrying ? "warn" : "error",
      };
    }
    default:
      return { kind: "unknown", label: "event", summary: "an event this dashboard does not know yet", details: [], tone: "muted" };
  }
}

export function toEventRow(e: TaskEvent): EventRow {
  return { sequence: e.sequence, time: formatTime(e.time), attempt: e.attempt, ...body(e) };
}

/** True for the agent's and stages' raw output, which also goes to the terminal. */
export function isOutput(e: TaskEvent): boolean {
  return e.kind.case === "outputLine";
}

/** Statuses after which the task's header and runs need a fresh GetTask. */
export function changesTask(e: TaskEvent): boolean {
  switch (e.kind.case) {
    case "statusChanged":
    case "agentFinished":
    case "attemptStarted":
    case "taskUpdated":
    case "delivered":
    case "failedOver":
    case "retryScheduled":
      return true;
    default:
      return false;
  }
}

/** ANSI-coloured terminal text for an output line (stderr red, verifier lines prefixed with their stage). */
export function terminalLine(e: TaskEvent): string | undefined {
  if (e.kind.case !== "outputLine") {
    return undefined;
  }
  const o = e.kind.value;
  const prefix = o.source === OutputSource.VERIFIER ? `\x1b[36m[${stageName(o.stage)}]\x1b[0m ` : o.source === OutputSource.WORKER ? "\x1b[90m[worker]\x1b[0m " : "";
  const text = o.stderr ? `\x1b[31m${o.text}\x1b[0m` : o.text;
  return `${prefix}${text}\r\n`;
}
