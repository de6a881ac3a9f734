import { create } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { QueueStateSchema, type QueueState } from "../gen/devserver/queue/v1/queue_pb";
import { TaskStatus } from "../gen/devserver/tasks/v1/tasks_pb";
import { statusChanged } from "../test/dashFixtures";
import { event } from "../test/fixtures";
import { manualClock } from "../test/manualClock";
import {
  changesTaskList,
  countsKey,
  createTaskListRefresh,
  readAnswered,
  readFailed,
  readStarted,
  REFRESH_MAX_WAIT_MS,
  REFRESH_WAIT_MS,
  staleRowsNotice,
  type ShownRows,
} from "./taskList";

function queue(counts: Array<[TaskStatus, number]>): QueueState {
  return create(QueueStateSchema, { counts: counts.map(([status, count]) => ({ status, count })) });
}

const created = event(1, { case: "created", value: { title: "New" } });

describe("the task list's live refresh", () => {
  it("re-reads for a created task, a status change, a new attempt and an edit, never for output", () => {
    expect(changesTaskList(created)).toBe(true);
    expect(changesTaskList(statusChanged(7n, TaskStatus.QUEUED, TaskStatus.RUNNING))).toBe(true);
    expect(changesTaskList(event(3, { case: "attemptStarted", value: { workerId: "w1", vendor: "script" } }))).toBe(true);
    expect(changesTaskList(event(4, { case: "taskUpdated", value: {} }))).toBe(true);
    expect(changesTaskList(event(5))).toBe(false);
    expect(changesTaskList(event(6, { case: "agentActivity", value: {} }))).toBe(false);
  });

  it("reads the page once after a burst of events has gone quiet", () => {
    const { clock, advance } = manualClock();
    let reads = 0;
    const refresh = createTaskListRefresh(() => reads++, clock);
    for (let i = 0; i < 10; i++) {
      refresh.event(statusChanged(BigInt(i), TaskStatus.QUEUED, TaskStatus.RUNNING));
      advance(50);
    }
    refresh.event(event(20));
    expect(reads).toBe(0);
    advance(REFRESH_WAIT_MS);
    expect(reads).toBe(1);
    advance(10_000);
    expect(reads).toBe(1);
  });

  it("still reads during an endless stream of changes, at most every few moments", () => {
    const { clock, advance } = manualClock();
    let reads = 0;
    const refresh = createTaskListRefresh(() => reads++, clock);
    for (let t = 0; t < REFRESH_MAX_WAIT_MS * 3; t += 100) {
      refresh.event(created);
      advance(100);
    }
    expect(reads).toBeGreaterThanOrEqual(2);
    expect(reads).toBeLessThanOrEqual(3);
  });

  it("does nothing at all without a change: no timer, no read", () => {
    const { clock, advance } = manualClock();
    let reads = 0;
    const refresh = createTaskListRefresh(() => reads++, clock);
    refresh.eventStream({ kind: "connecting", attempt: 1 });
    refresh.eventStream({ kind: "live" });
    refresh.queue(queue([[TaskStatus.DONE, 2]]));
    refresh.queue(queue([[TaskStatus.DONE, 2]]));
    advance(60_000);
    expect(reads).toBe(0);
  });

  it("reads again when the counts per status change, as a deletion shows only there", () => {
    const { clock, advance } = manualClock();
    let reads = 0;
    const refresh = createTaskListRefresh(() => reads++, clock);
    refresh.queue(undefined);
    refresh.queue(queue([[TaskStatus.PENDING, 1], [TaskStatus.DONE, 2]]));
    advance(REFRESH_WAIT_MS);
    expect(reads).toBe(0);
    // The same counts in another order are no change.
    refresh.queue(queue([[TaskStatus.DONE, 2], [TaskStatus.PENDING, 1]]));
    advance(REFRESH_WAIT_MS);
    expect(reads).toBe(0);
    refresh.queue(queue([[TaskStatus.DONE, 2]]));
    advance(REFRESH_WAIT_MS);
    expect(reads).toBe(1);
  });

  it("reads again when the event stream is back after a gap, not on its first connection", () => {
    const { clock, advance } = manualClock();
    let reads = 0;
    const refresh = createTaskListRefresh(() => reads++, clock);
    refresh.eventStream({ kind: "live" });
    advance(REFRESH_WAIT_MS);
    expect(reads).toBe(0);
    refresh.eventStream({ kind: "reconnecting", attempt: 1, delayMs: 250, error: undefined });
    refresh.eventStream({ kind: "connecting", attempt: 2 });
    advance(REFRESH_WAIT_MS);
    expect(reads).toBe(0);
    refresh.eventStream({ kind: "live" });
    advance(REFRESH_WAIT_MS);
    expect(reads).toBe(1);
  });

  it("reads nothing after it was disposed", () => {
    const { clock, advance } = manualClock();
    let reads = 0;
    const refresh = createTaskListRefresh(() => reads++, clock);
    refresh.event(created);
    refresh.dispose();
    advance(REFRESH_MAX_WAIT_MS);
    expect(reads).toBe(0);
  });

  it("keys the counts independently of their order", () => {
    expect(countsKey(undefined)).toBeNull();
    expect(countsKey(queue([]))).toBe("");
    expect(countsKey(queue([[TaskStatus.DONE, 2], [TaskStatus.PENDING, 1]]))).toBe(countsKey(queue([[TaskStatus.PENDING, 1], [TaskStatus.DONE, 2]])));
    expect(countsKey(queue([[TaskStatus.DONE, 2]]))).not.toBe(countsKey(queue([[TaskStatus.DONE, 3]])));
  });
});

describe("the task list's rows while a page is read", () => {
  const pageOne = "|50||false";
  const pageTwo = "|50|token-2|false";
  const showing: ShownRows<string> = { request: pageOne, rows: ["#1", "#2"] };

  it("keeps the rows on screen while the same page is read again, and shows Loading… for another page", () => {
    expect(readStarted(showing, pageOne)).toEqual(showing);
    expect(readStarted(showing, pageTwo)).toEqual({ request: pageTwo, rows: null });
    expect(readStarted({ request: null, rows: null }, pageOne)).toEqual({ request: pageOne, rows: null });
  });

  it("keeps the rows when a live re-read of the page on screen fails, rather than emptying the table, and marks them stale", () => {
    const started = readStarted(showing, pageOne);
    expect(readFailed(started, pageOne)).toEqual({ ...showing, failure: "stale" });
    // Failing again keeps them, still stale; reading again keeps them (and the notice) until the answer.
    const stale = readFailed(started, pageOne);
    expect(readFailed(readStarted(stale, pageOne), pageOne)).toEqual({ ...showing, failure: "stale" });
    expect(readStarted(stale, pageOne)).toEqual(stale);
  });

  it("shows no rows when another page or filter fails to load, as nothing of it is shown yet", () => {
    expect(readFailed(readStarted(showing, pageTwo), pageTwo)).toEqual({ request: pageTwo, rows: [], failure: "empty" });
    expect(readFailed(readStarted({ request: null, rows: null }, pageOne), pageOne)).toEqual({ request: pageOne, rows: [], failure: "empty" });
    // Its own re-read failing again stays empty (nothing stale to keep); the next successful read fills it.
    const failed = readFailed(readStarted({ request: null, rows: null }, pageTwo), pageTwo);
    expect(readFailed(readStarted(failed, pageTwo), pageTwo)).toEqual({ request: pageTwo, rows: [], failure: "empty" });
    expect(readAnswered(pageTwo, ["#3"])).toEqual({ request: pageTwo, rows: ["#3"] });
  });

  it("says the rows may be out of date only while it shows stale rows, and no longer once a read answers", () => {
    expect(staleRowsNotice(showing)).toBeNull();
    const stale = readFailed(readStarted(showing, pageOne), pageOne);
    expect(staleRowsNotice(stale)).toMatch(/may be out of date/);
    expect(staleRowsNotice(readStarted(stale, pageOne))).toMatch(/may be out of date/);
    expect(staleRowsNotice(readAnswered(pageOne, ["#1"]))).toBeNull();
    // A failed first read has no rows to call stale: the error banner alone says what happened.
    expect(staleRowsNotice(readFailed(readStarted(showing, pageTwo), pageTwo))).toBeNull();
  });
});
