// GetAnalytics → the summary figures and the chart datasets of the dashboard's analytics. Pure: the charts are
// drawn by Chart.js from exactly these numbers.
import type { GetAnalyticsResponse } from "../gen/devserver/analytics/v1/analytics_pb";
import type { TaskEvent } from "../gen/devserver/events/v1/events_pb";
import { TaskStatus } from "../gen/devserver/tasks/v1/tasks_pb";
import { durationMs, formatCost, formatDuration } from "./format";

export const PERIODS = [7, 30, 90] as const;
export type Period = (typeof PERIODS)[number];
export const DEFAULT_PERIOD: Period = 30;

/** A stored or typed period ("7", 90, garbage) → one of the offered periods. */
export function parsePeriod(value: unknown): Period {
  const n = typeof value === "number" ? value : typeof value === "string" && value.trim() !== "" ? Number(value) : NaN;
  return (PERIODS as readonly number[]).includes(n) ? (n as Period) : DEFAULT_PERIOD;
}

export function periodLabel(days: Period): string {
  return `last ${days} days`;
}

/** Statuses in which a task has finished: analytics and notifications react to a task entering one. */
export const FINISHED_STATUSES: ReadonlySet<TaskStatus> = new Set([TaskStatus.DONE, TaskStatus.FAILED, TaskStatus.BLOCKED]);

/** The task and the status it finished in, when the event is a task finishing; else null. */
export function taskFinished(event: TaskEvent): { taskId: bigint; status: TaskStatus; reason: string } | null {
  if (event.kind.case !== "statusChanged") {
    return null;
  }
  const { from, to, reason } = event.kind.value;
  if (!FINISHED_STATUSES.has(to) || from === to) {
    return null;
  }
  return { taskId: event.taskId, status: to, reason };
}

export interface SummaryFigure {
  label: string;
  value: string;
  hint: string;
}

export function formatRate(rate: number, finished: number): string {
  if (finished === 0 || !Number.isFinite(rate)) {
    return "—";
  }
  return `${Math.round(Math.min(1, Math.max(0, rate)) * 1000) / 10} %`;
}

export function formatCount(n: number | bigint): string {
  // Thin-space grouping reads the same in every locale and keeps the tests independent of the machine's.
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, "\u202f");
}

export function toSummaryFigures(r: GetAnalyticsResponse | undefined): SummaryFigure[] {
  const s = r?.summary;
  const finished = (s?.completed ?? 0) + (s?.failed ?? 0);
  const cost = s?.totalCostUsd ?? 0;
  return [
    { label: "Completed", value: formatCount(s?.completed ?? 0), hint: "tasks that finished done" },
    { label: "Failed", value: formatCount(s?.failed ?? 0), hint: "tasks that finished failed or blocked" },
    { label: "Success rate", value: formatRate(s?.successRate ?? 0, finished), hint: finished === 0 ? "nothing finished" : `of ${formatCount(finished)} finished` },
    { label: "Total cost", value: cost === 0 ? "$0.00" : formatCost(cost), hint: `${formatCount(s?.attempts ?? 0)} attempts` },
    { label: "Agent time", value: s?.agentTime === undefined ? "—" : formatDuration(durationMs(s.agentTime)), hint: "summed over attempts" },
    { label: "Total turns", value: formatCount(s?.totalTurns ?? 0n), hint: "summed over attempts" },
  ];
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** "2026-11-21" → "21 Nov"; anything else is shown as it came. */
export function dayLabel(date: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  const month = m === null ? undefined : MONTHS[Number(m[2]) - 1];
  return m === null || month === undefined ? date : `${Number(m[3])} ${month}`;
}

export interface DurationUnit {
  label: "s" | "min" | "h";
  divisor: number;
}

/** Seconds, minutes or hours, whichever keeps the largest bar readable. */
export function durationUnit(maxSeconds: number): DurationUnit {
  if (maxSeconds >= 2 * 3600) {
    return { label: "h", divisor: 3600 };
  }
  if (maxSeconds >= 120) {
    return { label: "min", divisor: 60 };
  }
  return { label: "s", divisor: 1 };
}

export interface Series {
  label: string;
  data: number[];
  color: string;
}

export interface AnalyticsCharts {
  labels: string[];
  /** Average agent time per finished task, per day, in `durationUnit`. */
  duration: Series;
  durationUnit: DurationUnit;
  /** Average turns per finished task, per day. */
  turns: Series;
  /** Cost per vendor per day, one line each, most expensive vendor first. */
  vendorCost: Series[];
  /** Each vendor's share of the period's cost. */
  share: { labels: string[]; data: number[]; colors: string[] };
  /** True when no task finished and nothing cost anything: the view shows an empty state instead of flat lines. */
  empty: boolean;
}

export const PALETTE = ["#2f62c9", "#d98c4c", "#1f8a4c", "#c53030", "#6b46c1", "#2c9aa8", "#b7791f", "#d04f97", "#4a5568"];

export function colorAt(i: number): string {
  return PALETTE[i % PALETTE.length] ?? "#2f62c9";
}

const round = (n: number, digits: number) => {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
};

export function toCharts(r: GetAnalyticsResponse | undefined): AnalyticsCharts {
  const days = r?.days ?? [];
  const seconds = days.map((d) => (durationMs(d.averageDuration) ?? 0) / 1000);
  const unit = durationUnit(Math.max(0, ...seconds));
  const vendors = r?.vendors ?? [];
  // The contract aligns daily costs with the days; pad or cut anyway so one odd reply cannot skew the x axis.
  const vendorCost = vendors.map((v, i) => ({
    label: v.vendor === "" ? "unknown" : v.vendor,
    data: days.map((_, d) => round(v.dailyCostUsd[d] ?? 0, 4)),
    color: colorAt(i),
  }));
  const finished = days.reduce((n, d) => n + d.completed + d.failed, 0);
  const cost = vendors.reduce((n, v) => n + v.costUsd, 0);
  return {
    labels: days.map((d) => dayLabel(d.date)),
    duration: { label: `average agent time per task (${unit.label})`, data: seconds.map((s) => round(s / unit.divisor, 2)), color: colorAt(0) },
    durationUnit: unit,
    turns: { label: "average turns per task", data: days.map((d) => round(d.averageTurns, 1)), color: colorAt(1) },
    vendorCost,
    share: {
      labels: vendors.map((v) => (v.vendor === "" ? "unknown" : v.vendor)),
      data: vendors.map((v) => round(v.costUsd, 4)),
      colors: vendors.map((_, i) => colorAt(i)),
    },
    empty: finished === 0 && cost === 0 && (r?.summary?.attempts ?? 0) === 0,
  };
}
