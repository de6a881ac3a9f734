// Row models for the runs table, the worker status bar and the queue summary.
import type { QueueState, Worker } from "../gen/devserver/queue/v1/queue_pb";
import type { Run } from "../gen/devserver/tasks/v1/tasks_pb";
import { RunOutcome } from "../gen/devserver/tasks/v1/tasks_pb";
import { durationMs, errorKindName, formatAgo, formatCost, formatDuration, outcomeName, toDate } from "./format";
import type { Tone } from "./eventModel";

export interface RunRow {
  attempt: number;
  vendorModel: string;
  outcome: string;
  tone: Tone;
  exit: string;
  turns: string;
  cost: string;
  duration: string;
  errorKind: string;
  error: string;
}

export function toRunRow(run: Run): RunRow {
  const tone: Tone =
    run.outcome === RunOutcome.SUCCEEDED
      ? "ok"
      : run.outcome === RunOutcome.RUNNING
        ? "info"
        : run.outcome === RunOutcome.LOST || run.outcome === RunOutcome.CANCELLED
          ? "warn"
          : "error";
  const kind = [errorKindName(run.errorKind), run.failureClass].filter((s) => s !== "").join(" · ");
  let error = run.error;
  if (run.verification !== undefined && !run.verification.passed) {
    error = `verification failed at ${run.verification.failedStage}${error ? ` · ${error}` : ""}`;
  }
  return {
    attempt: run.attempt,
    vendorModel: run.model === "" ? run.vendor : `${run.vendor}/${run.model}`,
    outcome: `${outcomeName(run.outcome)}${run.attemptGivenBack ? " (given back)" : ""}`,
    tone,
    exit: run.exitCode === undefined ? "—" : String(run.exitCode),
    turns: String(run.turns),
    cost: formatCost(run.costUsd),
    duration: formatDuration(durationMs(run.duration)),
    errorKind: kind === "" ? "—" : kind,
    error,
  };
}

export interface WorkerChip {
  id: string;
  name: string;
  kind: string;
  online: boolean;
  load: string;
  /** 0..1 of capacity in use. */
  loadFraction: number;
  lastHeartbeat: string;
  pausedUntil: string;
  tone: Tone;
}

export function toWorkerChip(w: Worker, now: number): WorkerChip {
  const paused = toDate(w.pausedUntil);
  const isPaused = paused !== undefined && paused.getTime() > now;
  const label = w.kind === "verifier" ? "verifier" : w.vendor || w.kind;
  return {
    id: w.id,
    name: w.name || w.id,
    kind: label,
    online: w.connected,
    load: `${w.active}/${w.capacity}`,
    loadFraction: w.capacity > 0 ? Math.min(1, w.active / w.capacity) : 0,
    lastHeartbeat: formatAgo(w.lastSeenAt, now),
    pausedUntil: isPaused ? formatAgo(w.pausedUntil, now) : "",
    tone: !w.connected ? "muted" : isPaused ? "warn" : "ok",
  };
}

export interface QueueSummary {
  state: string;
  concurrency: string;
  queued: number;
  active: number;
  tone: Tone;
}

export function toQueueSummary(q: QueueState | undefined): QueueSummary {
  if (q === undefined) {
    return { state: "unknown", concurrency: "—", queued: 0, active: 0, tone: "muted" };
  }
  return {
    state: q.paused ? "paused" : "dispatching",
    concurrency: `${q.active}/${q.maxConcurrency} slots in use`,
    queued: q.queued,
    active: q.active,
    tone: q.paused ? "warn" : "ok",
  };
}
