// Builders for the dashboard's contract messages (queue snapshots, analytics, settings, logs).
import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { durationFromMs, timestampFromMs } from "@bufbuild/protobuf/wkt";
import { GetAnalyticsResponseSchema, type GetAnalyticsResponse } from "../gen/devserver/analytics/v1/analytics_pb";
import { LogEntrySchema, LogLevel, type LogEntry } from "../gen/devserver/logs/v1/logs_pb";
import { WatchQueueResponseSchema, WorkerSchema, type WatchQueueResponse, type Worker } from "../gen/devserver/queue/v1/queue_pb";
import { TaskStatus } from "../gen/devserver/tasks/v1/tasks_pb";
import { event } from "./fixtures";

export const NOW = Date.UTC(2026, 10, 21, 8, 0, 0);

export function worker(init: MessageInitShape<typeof WorkerSchema>): Worker {
  return create(WorkerSchema, { capacity: 1, connected: true, lastSeenAt: timestampFromMs(NOW - 12_000), ...init });
}

export function snapshot(init: MessageInitShape<typeof WatchQueueResponseSchema>): WatchQueueResponse {
  return create(WatchQueueResponseSchema, init);
}

export function analytics(days: Array<{ date: string; completed?: number; failed?: number; avgMs?: number; turns?: number; cost?: number }>, vendors: Array<{ vendor: string; daily: number[] }> = []): GetAnalyticsResponse {
  const completed = days.reduce((n, d) => n + (d.completed ?? 0), 0);
  const failed = days.reduce((n, d) => n + (d.failed ?? 0), 0);
  return create(GetAnalyticsResponseSchema, {
    summary: {
      completed,
      failed,
      successRate: completed + failed === 0 ? 0 : completed / (completed + failed),
      totalCostUsd: vendors.reduce((n, v) => n + v.daily.reduce((a, b) => a + b, 0), 0),
      agentTime: durationFromMs(days.reduce((n, d) => n + (d.avgMs ?? 0), 0)),
      totalTurns: BigInt(Math.round(days.reduce((n, d) => n + (d.turns ?? 0), 0))),
      attempts: completed + failed,
    },
    days: days.map((d) => ({
      date: d.date,
      completed: d.completed ?? 0,
      failed: d.failed ?? 0,
      averageDuration: durationFromMs(d.avgMs ?? 0),
      averageTurns: d.turns ?? 0,
      costUsd: d.cost ?? 0,
    })),
    vendors: vendors.map((v) => ({ vendor: v.vendor, costUsd: v.daily.reduce((a, b) => a + b, 0), attempts: 1, dailyCostUsd: v.daily })),
  });
}

export function logEntry(position: number, init: MessageInitShape<typeof LogEntrySchema> = {}): LogEntry {
  return create(LogEntrySchema, {
    position: BigInt(position),
    time: timestampFromMs(NOW + position),
    level: LogLevel.INFORMATION,
    source: "orchestrator a1",
    category: "DevServer.Orchestrator.Queue.Dispatcher",
    message: `entry ${position}`,
    ...init,
  });
}

export function statusChanged(taskId: bigint, from: TaskStatus, to: TaskStatus, reason = "", sequence = 5) {
  return event(sequence, { case: "statusChanged", value: { from, to, reason } }, taskId);
}
