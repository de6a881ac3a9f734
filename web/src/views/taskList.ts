// When the Tasks page reads its current page again. It follows the tab's shared event stream (a task created,
// moved to another status, given a new attempt or edited) and the WatchQueue snapshots (a deletion takes the task's
// events with it, so only the counts per status tell of it), and collapses a burst into one read. Nothing is read
// on a timer: without a change there is no request.
import type { TaskEvent } from "../gen/devserver/events/v1/events_pb";
import type { QueueState } from "../gen/devserver/queue/v1/queue_pb";
import { createDebouncer, type Clock } from "../lib/debounce";
import type { StreamState } from "../lib/resumable";

/** Event kinds that change what a row of the list shows (status, attempts, title, priority, retirement) or add one. */
const LIST_CHANGES: ReadonlySet<TaskEvent["kind"]["case"]> = new Set<TaskEvent["kind"]["case"]>(["created", "statusChanged", "attemptStarted", "taskUpdated"]);

export function changesTaskList(event: TaskEvent): boolean {
  return LIST_CHANGES.has(event.kind.case);
}

/** The counts per status as one comparable key (order-independent); null before the first snapshot. */
export function countsKey(queue: QueueState | undefined): string | null {
  if (queue === undefined) {
    return null;
  }
  return queue.counts
    .map((c) => `${c.status}:${c.count}`)
    .sort()
    .join(",");
}

export interface TaskListRefresh {
  /** An event from the shared feed. */
  event(event: TaskEvent): void;
  /** The shared feed's state: back live after a gap, the page may have missed changes. */
  eventStream(state: StreamState): void;
  /** A WatchQueue snapshot's queue state. */
  queue(queue: QueueState | undefined): void;
  dispose(): void;
}

export const REFRESH_WAIT_MS = 300;
export const REFRESH_MAX_WAIT_MS = 1500;

export function createTaskListRefresh(reload: () => void, clock?: Clock): TaskListRefresh {
  const debouncer = createDebouncer(reload, REFRESH_WAIT_MS, REFRESH_MAX_WAIT_MS, clock);
  let wasDown = false;
  let lastCounts: string | null = null;
  return {
    event(event) {
      if (changesTaskList(event)) {
        debouncer.trigger();
      }
    },
    eventStream(state) {
      if (state.kind === "reconnecting") {
        wasDown = true;
      } else if (state.kind === "live" && wasDown) {
        wasDown = false;
        debouncer.trigger();
      }
    },
    queue(queue) {
      const key = countsKey(queue);
      if (key === null) {
        return;
      }
      // The first snapshot describes what the page has just read; only a later difference is news.
      if (lastCounts !== null && key !== lastCounts) {
        debouncer.trigger();
      }
      lastCounts = key;
    },
    dispose() {
      debouncer.dispose();
    },
  };
}

/** The rows the Tasks page shows and the read (page and filter) they answer; null rows show "Loading…". */
export interface ShownRows<T> {
  request: string | null;
  rows: T[] | null;
  /**
   * Set when the last read of `request` failed: "stale" while the rows on screen are an earlier answer that it did not
   * replace, "empty" when it had none to keep (the table is empty for the error, not for an empty answer).
   */
  failure?: "stale" | "empty";
}

/** A read of `request` starts: the same page read again keeps its rows until the answer, another shows "Loading…". */
export function readStarted<T>(shown: ShownRows<T>, request: string): ShownRows<T> {
  return shown.request === request ? shown : { request, rows: null };
}

/** A read of `request` answered: its rows, fresh. */
export function readAnswered<T>(request: string, rows: T[]): ShownRows<T> {
  return { request, rows };
}

/**
 * A read of `request` failed. A live re-read of the page on screen keeps its rows: one failed refresh should not
 * empty the table until the next change; they are marked stale, so the page says they may be out of date (next to
 * the error banner, which names only the failure). A page or filter with nothing shown yet shows no rows, only the
 * error.
 */
export function readFailed<T>(shown: ShownRows<T>, request: string): ShownRows<T> {
  return shown.request === request && shown.rows !== null && shown.failure !== "empty"
    ? { ...shown, failure: "stale" }
    : { request, rows: [], failure: "empty" };
}

/** What the page says while it shows stale rows (a status message), or null when the rows are the latest answer. */
export function staleRowsNotice(shown: ShownRows<unknown>): string | null {
  return shown.failure === "stale"
    ? "These rows may be out of date: reading the list again failed. It is read again on the next change, or now with Read again."
    : null;
}
