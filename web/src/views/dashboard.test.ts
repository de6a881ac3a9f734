import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { describe, expect, it } from "vitest";
import { TaskStatus } from "../gen/devserver/tasks/v1/tasks_pb";
import { NOW, snapshot, statusChanged, worker } from "../test/dashFixtures";
import { event } from "../test/fixtures";
import { eventEffects, toDashboardView, toStatusCounts, toWorkerRow } from "./dashboard";

describe("dashboard view from a WatchQueue snapshot", () => {
  const snap = snapshot({
    queue: {
      paused: false,
      maxConcurrency: 3,
      queued: 4,
      active: 2,
      completedToday: 7,
      failedToday: 1,
      counts: [
        { status: TaskStatus.DONE, count: 40 },
        { status: TaskStatus.QUEUED, count: 4 },
        { status: TaskStatus.RUNNING, count: 2 },
        { status: TaskStatus.FAILED, count: 0 },
      ],
    },
    workers: [
      worker({ id: "w1", name: "box claude", kind: "vendor", vendor: "claude", capacity: 2, active: 1, account: "team" }),
      worker({ id: "v1", name: "verifier", kind: "verifier", capacity: 4, active: 0, connected: false, lastSeenAt: timestampFromMs(NOW - 300_000) }),
    ],
  });

  it("fills the four stat cards with running, queued and today's figures, each linking to its tasks", () => {
    const view = toDashboardView(snap, NOW);
    expect(view.stats.map((s) => [s.label, s.value])).toEqual([
      ["Running", "2"],
      ["Queued", "4"],
      ["Completed today", "7"],
      ["Failed today", "1"],
    ]);
    expect(view.stats[0]?.hint).toBe("running or verifying · 2/3 slots");
    expect(view.stats[0]?.href).toBe("#/tasks?status=running%2Cverifying%2Cdelivering");
    expect(view.stats[3]).toMatchObject({ tone: "error", href: "#/tasks?status=failed%2Cblocked" });
    expect(view.depth).toBe(4);
    expect(view.summary).toMatchObject({ state: "dispatching", concurrency: "2/3 slots in use" });
  });

  it("lists counts by status in lifecycle order and leaves empty statuses out", () => {
    expect(toStatusCounts(snap.queue).map((c) => [c.name, c.count, c.href])).toEqual([
      ["queued", 4, "#/tasks?status=queued"],
      ["running", 2, "#/tasks?status=running"],
      ["done", 40, "#/tasks?status=done"],
    ]);
    expect(toStatusCounts(undefined)).toEqual([]);
  });

  it("shows each worker's state, load against capacity and last heartbeat", () => {
    const view = toDashboardView(snap, NOW);
    expect(view.workersText).toBe("1 of 2 workers online");
    expect(view.workers[0]).toMatchObject({ name: "box claude", kind: "claude", online: true, load: "1/2", loadFraction: 0.5, lastHeartbeat: "12 s ago", account: "team", tone: "ok", pausedText: "" });
    expect(view.workers[0]?.title).toContain("account team");
    expect(view.workers[1]).toMatchObject({ kind: "verifier", online: false, load: "0/4", lastHeartbeat: "5 min ago", tone: "muted" });
  });

  it("says when a paused vendor account resumes, and forgets a pause that is over", () => {
    const paused = toWorkerRow(worker({ id: "w", kind: "vendor", vendor: "codex", pausedUntil: timestampFromMs(NOW + 240_000) }), NOW);
    expect(paused.tone).toBe("warn");
    expect(paused.pausedText).toMatch(/^resumes \d\d:\d\d:\d\d \(in 4 min\)$/);
    const over = toWorkerRow(worker({ id: "w", kind: "vendor", vendor: "codex", pausedUntil: timestampFromMs(NOW - 1000) }), NOW);
    expect(over).toMatchObject({ tone: "ok", pausedText: "" });
  });

  it("shows placeholders, not zeros, before the first snapshot", () => {
    const view = toDashboardView(undefined, NOW);
    expect(view.stats.map((s) => s.value)).toEqual(["—", "—", "—", "—"]);
    expect(view.paused).toBeUndefined();
    expect(view.workersText).toBe("no workers");
    expect(view.counts).toEqual([]);
  });

  it("warns when tasks wait behind a paused queue", () => {
    const view = toDashboardView(snapshot({ queue: { paused: true, queued: 3, maxConcurrency: 2 } }), NOW);
    expect(view.stats[1]).toMatchObject({ tone: "warn", hint: "waiting: the queue is paused" });
    expect(view.summary.state).toBe("paused");
  });
});

describe("what an event changes on the dashboard", () => {
  it("re-reads the running agents on moves and the analytics only when a task finishes", () => {
    expect(eventEffects(statusChanged(3n, TaskStatus.QUEUED, TaskStatus.RUNNING))).toEqual({ recent: true, running: true, analytics: false });
    expect(eventEffects(statusChanged(3n, TaskStatus.VERIFYING, TaskStatus.DONE))).toEqual({ recent: true, running: true, analytics: true });
    expect(eventEffects(event(4, { case: "attemptStarted", value: { workerId: "w1", vendor: "claude" } }))).toMatchObject({ running: true, analytics: false });
  });

  it("keeps output lines out of the latest events and changes nothing for them", () => {
    expect(eventEffects(event(5))).toEqual({ recent: false, running: false, analytics: false });
  });
});
