// WatchQueue snapshot → what the dashboard shows: stat cards, counts by status, the worker status bar.
import type { TaskEvent } from "../gen/devserver/events/v1/events_pb";
import type { QueueState, Worker, WatchQueueResponse } from "../gen/devserver/queue/v1/queue_pb";
import { TaskStatus } from "../gen/devserver/tasks/v1/tasks_pb";
import { tasksHref } from "../lib/route";
import { taskFinished } from "./analytics";
import { isOutput, type Tone } from "./eventModel";
import { ALL_STATUSES, formatAgo, formatTime, statusName, toDate } from "./format";
import { toQueueSummary, toWorkerChip, type QueueSummary, type WorkerChip } from "./models";

export interface StatCard {
  key: "running" | "queued" | "completed" | "failed";
  label: string;
  value: string;
  hint: string;
  tone: Tone;
  /** The task list behind the figure, when there is one. */
  href?: string;
}

export interface StatusCountChip {
  status: TaskStatus;
  name: string;
  count: number;
  href: string;
}

export interface WorkerRow extends WorkerChip {
  capacity: number;
  active: number;
  account: string;
  /** "resumes 10:42:00 (in 4 min)" while the vendor account is paused, else "". */
  pausedText: string;
  /** Tooltip: id, account, models. */
  title: string;
}

export interface DashboardView {
  summary: QueueSummary;
  paused: boolean | undefined;
  stats: StatCard[];
  counts: StatusCountChip[];
  /** Tasks waiting for a slot. */
  depth: number;
  workers: WorkerRow[];
  /** "2 of 3 workers online". */
  workersText: string;
}

const RUNNING_STATUSES = [TaskStatus.RUNNING, TaskStatus.VERIFYING, TaskStatus.DELIVERING];

export function toWorkerRow(w: Worker, now: number): WorkerRow {
  const chip = toWorkerChip(w, now);
  const paused = toDate(w.pausedUntil);
  const pausedText = chip.pausedUntil === "" || paused === undefined ? "" : `resumes ${formatTime(w.pausedUntil).slice(11)} (${chip.pausedUntil})`;
  const title = [
    `id ${w.id}`,
    w.account !== "" ? `account ${w.account}` : "",
    w.models.length > 0 ? `models ${w.models.join(", ")}` : "",
    `last heartbeat ${formatTime(w.lastSeenAt)} (${formatAgo(w.lastSeenAt, now)})`,
  ]
    .filter((s) => s !== "")
    .join("\n");
  return { ...chip, capacity: w.capacity, active: w.active, account: w.account, pausedText, title };
}

/** Counts in lifecycle order; statuses the dashboard does not know yet go last rather than vanish. */
export function toStatusCounts(q: QueueState | undefined): StatusCountChip[] {
  if (q === undefined) {
    return [];
  }
  const order = (s: TaskStatus) => {
    const i = ALL_STATUSES.indexOf(s);
    return i < 0 ? ALL_STATUSES.length + s : i;
  };
  return q.counts
    .filter((c) => c.count > 0)
    .slice()
    .sort((a, b) => order(a.status) - order(b.status))
    .map((c) => ({ status: c.status, name: statusName(c.status), count: c.count, href: tasksHref([c.status], 50) }));
}

export function toStatCards(q: QueueState | undefined): StatCard[] {
  const known = q !== undefined;
  const n = (v: number | undefined) => (known && v !== undefined ? String(v) : "—");
  return [
    {
      key: "running",
      label: "Running",
      value: n(q?.active),
      hint: q === undefined ? "running or verifying" : `running or verifying · ${q.active}/${q.maxConcurrency} slots`,
      tone: "info",
      href: tasksHref(RUNNING_STATUSES, 50),
    },
    {
      key: "queued",
      label: "Queued",
      value: n(q?.queued),
      hint: q?.paused === true ? "waiting: the queue is paused" : "waiting for a slot",
      tone: q?.paused === true && q.queued > 0 ? "warn" : "muted",
      href: tasksHref([TaskStatus.QUEUED], 50),
    },
    {
      key: "completed",
      label: "Completed today",
      value: n(q?.completedToday),
      hint: "became done since midnight",
      tone: "ok",
      href: tasksHref([TaskStatus.DONE], 50),
    },
    {
      key: "failed",
      label: "Failed today",
      value: n(q?.failedToday),
      hint: "failed or blocked since midnight",
      tone: known && (q?.failedToday ?? 0) > 0 ? "error" : "muted",
      href: tasksHref([TaskStatus.FAILED, TaskStatus.BLOCKED], 50),
    },
  ];
}

export function toDashboardView(snapshot: WatchQueueResponse | undefined, now: number): DashboardView {
  const q = snapshot?.queue;
  const workers = (snapshot?.workers ?? []).map((w) => toWorkerRow(w, now));
  const online = workers.filter((w) => w.online).length;
  return {
    summary: toQueueSummary(q),
    paused: q?.paused,
    stats: toStatCards(q),
    counts: toStatusCounts(q),
    depth: q?.queued ?? 0,
    workers,
    workersText: workers.length === 0 ? "no workers" : `${online} of ${workers.length} ${workers.length === 1 ? "worker" : "workers"} online`,
  };
}

/** Events after which the running-agents list may have changed. */
const MOVES: ReadonlySet<TaskEvent["kind"]["case"]> = new Set<TaskEvent["kind"]["case"]>(["statusChanged", "attemptStarted", "agentFinished", "workerLost"]);

export interface EventEffects {
  /** Show it in "Latest events" (output lines would drown everything else). */
  recent: boolean;
  /** Re-read the running agents (debounced). */
  running: boolean;
  /** Re-read the analytics (debounced): a task finished. */
  analytics: boolean;
}

/** What one event on the global stream changes on the dashboard. */
export function eventEffects(event: TaskEvent): EventEffects {
  return { recent: !isOutput(event), running: MOVES.has(event.kind.case), analytics: taskFinished(event) !== null };
}
