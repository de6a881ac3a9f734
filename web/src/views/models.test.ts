import { create } from "@bufbuild/protobuf";
import { durationFromMs, timestampFromMs } from "@bufbuild/protobuf/wkt";
import { describe, expect, it } from "vitest";
import { QueueStateSchema, WorkerSchema } from "../gen/devserver/queue/v1/queue_pb";
import { RunOutcome, RunSchema } from "../gen/devserver/tasks/v1/tasks_pb";
import { AgentErrorKind } from "../gen/devserver/work/v1/activity_pb";
import { formatAgo, formatCost, formatDuration } from "./format";
import { toQueueSummary, toRunRow, toWorkerChip } from "./models";

const NOW = Date.UTC(2026, 10, 21, 8, 0, 0);

describe("runs table rows", () => {
  it("shows attempt, vendor/model, outcome, exit, turns, cost, duration and error kind", () => {
    const run = create(RunSchema, {
      attempt: 2,
      vendor: "claude",
      model: "opus",
      outcome: RunOutcome.FAILED,
      exitCode: 1,
      turns: 12,
      costUsd: 0.4321,
      duration: durationFromMs(95_000),
      errorKind: AgentErrorKind.MAX_TURNS,
      failureClass: "dotnet.compile",
      error: "build broke",
      verification: { passed: false, failedStage: "test" },
    });
    expect(toRunRow(run)).toEqual({
      attempt: 2,
      vendorModel: "claude/opus",
      outcome: "failed",
      tone: "error",
      exit: "1",
      turns: "12",
      cost: "$0.43",
      duration: "1 min 35 s",
      errorKind: "turn limit reached · dotnet.compile",
      error: "verification failed at test · build broke",
    });
  });

  it("shows a running or given-back attempt without inventing an exit code", () => {
    expect(toRunRow(create(RunSchema, { attempt: 1, vendor: "script", outcome: RunOutcome.RUNNING }))).toMatchObject({
      vendorModel: "script",
      exit: "—",
      cost: "—",
      duration: "—",
      errorKind: "—",
      tone: "info",
    });
    expect(toRunRow(create(RunSchema, { outcome: RunOutcome.FAILED, attemptGivenBack: true, exitCode: 0 }))).toMatchObject({
      outcome: "failed (given back)",
      exit: "0",
    });
  });
});

describe("worker status bar", () => {
  it("shows online, load against capacity and the last heartbeat", () => {
    const w = create(WorkerSchema, { id: "w1", name: "box/script", kind: "vendor", vendor: "script", capacity: 4, active: 1, connected: true, lastSeenAt: timestampFromMs(NOW - 12_000) });
    expect(toWorkerChip(w, NOW)).toEqual({
      id: "w1",
      name: "box/script",
      kind: "script",
      online: true,
      load: "1/4",
      loadFraction: 0.25,
      lastHeartbeat: "12 s ago",
      pausedUntil: "",
      tone: "ok",
    });
  });

  it("shows a paused account and an offline verifier", () => {
    const paused = create(WorkerSchema, { id: "w2", kind: "vendor", vendor: "claude", capacity: 1, connected: true, pausedUntil: timestampFromMs(NOW + 30 * 60_000) });
    expect(toWorkerChip(paused, NOW)).toMatchObject({ name: "w2", pausedUntil: "in 30 min", tone: "warn" });
    const over = create(WorkerSchema, { id: "w3", kind: "vendor", vendor: "claude", capacity: 1, connected: true, pausedUntil: timestampFromMs(NOW - 1000) });
    expect(toWorkerChip(over, NOW).pausedUntil).toBe("");
    const verifier = create(WorkerSchema, { id: "v", kind: "verifier", capacity: 0, connected: false });
    expect(toWorkerChip(verifier, NOW)).toMatchObject({ kind: "verifier", online: false, loadFraction: 0, lastHeartbeat: "never", tone: "muted" });
  });
});

describe("queue summary", () => {
  it("shows paused or dispatching with the slots in use", () => {
    expect(toQueueSummary(create(QueueStateSchema, { paused: true, maxConcurrency: 3, queued: 5, active: 2 }))).toEqual({
      state: "paused",
      concurrency: "2/3 slots in use",
      queued: 5,
      active: 2,
      tone: "warn",
    });
    expect(toQueueSummary(create(QueueStateSchema, { maxConcurrency: 1 })).state).toBe("dispatching");
    expect(toQueueSummary(undefined).state).toBe("unknown");
  });
});

describe("formats", () => {
  it("durations, costs and relative times", () => {
    expect(formatDuration(850)).toBe("850 ms");
    expect(formatDuration(12_340)).toBe("12.3 s");
    expect(formatDuration(245_000)).toBe("4 min 05 s");
    expect(formatDuration(7_380_000)).toBe("2 h 03 min");
    expect(formatDuration(undefined)).toBe("—");
    expect(formatCost(0)).toBe("—");
    expect(formatCost(0.0042)).toBe("$0.0042");
    expect(formatCost(12.5)).toBe("$12.50");
    expect(formatAgo(timestampFromMs(NOW - 2000), NOW)).toBe("just now");
    expect(formatAgo(timestampFromMs(NOW - 5 * 3600_000), NOW)).toBe("5 h ago");
    expect(formatAgo(timestampFromMs(NOW + 2 * 86400_000), NOW)).toBe("in 2 d");
    expect(formatAgo(undefined, NOW)).toBe("never");
  });
});
