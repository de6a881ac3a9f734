import { useEffect, useRef, useState } from "preact/hooks";
import type { AgentTask, TaskStatus } from "../gen/devserver/tasks/v1/tasks_pb";
import {
  PAGE_SIZES,
  canGoNext,
  canGoPrevious,
  firstRowNumber,
  initialPaging,
  nextPage,
  pageLoaded,
  pageRequest,
  previousPage,
  type PagingState,
} from "../lib/paging";
import { newTaskHref, taskListHref } from "../lib/pages";
import { taskHref } from "../lib/route";
import type { StreamState } from "../lib/resumable";
import { turnLimitText } from "../views/agentFields";
import { ALL_STATUSES, formatTime, statusName } from "../views/format";
import { createTaskListRefresh, readAnswered, readFailed, readStarted, staleRowsNotice, type ShownRows, type TaskListRefresh } from "../views/taskList";
import { ErrorBanner, LiveIndicator, PlaceholderRow, PriorityBadge, StatusBadge } from "./common";
import { useApp } from "./context";
import { useQueueState } from "./useQueueState";

/**
 * Says that the rows on screen may be out of date (a re-read failed, see readFailed) and offers to read them again. The
 * status region is always in the page, empty when the rows are fresh: a live region that appears together with its
 * text is often not announced, one whose text changes is. Polite (a status, not an alert): the error banner above
 * already interrupts with the failure itself; this only says what the failure means for the table.
 */
export function StaleRowsNotice({ notice, onReadAgain }: { notice: string | null; onReadAgain: () => void }) {
  return (
    <div class={notice === null ? "stale-rows" : "stale-rows shown"}>
      <span role="status">{notice}</span>
      {notice !== null && (
        <button type="button" onClick={onReadAgain}>
          Read again
        </button>
      )}
    </div>
  );
}

export function Tasks({ statuses, pageSize, includeRetired }: { statuses: TaskStatus[]; pageSize: number; includeRetired: boolean }) {
  const { api, report, events } = useApp();
  const [paging, setPaging] = useState<PagingState>(() => initialPaging(pageSize, statuses));
  const [shown, setShown] = useState<ShownRows<AgentTask>>({ request: null, rows: null });
  const [error, setError] = useState<string | null>(null);
  const [feed, setFeed] = useState<StreamState | null>(null);
  // Bumped when something changed the list: the current page is read again, in place.
  const [version, setVersion] = useState(0);
  const refresh = useRef<TaskListRefresh | null>(null);
  const { queue } = useQueueState();
  const filterKey = `${statuses.join(",")}|${pageSize}|${includeRetired}`;

  // The filter lives in the address (shareable, back button); a new filter starts at page one.
  useEffect(() => setPaging(initialPaging(pageSize, statuses)), [filterKey]);

  const request = { ...pageRequest(paging), includeRetired };
  const requestKey = `${request.statuses.join(",")}|${request.pageSize}|${request.pageToken}|${includeRetired}`;
  useEffect(() => {
    const abort = new AbortController();
    setShown((s) => readStarted(s, requestKey));
    api.tasks
      .listTasks(request, { signal: abort.signal })
      .then((r) => {
        if (abort.signal.aborted) {
          return;
        }
        setShown(readAnswered(requestKey, r.tasks));
        setPaging((p) => pageLoaded(p, r.nextPageToken));
        setError(null);
      })
      .catch((err: unknown) => {
        if (!abort.signal.aborted) {
          setShown((s) => readFailed(s, requestKey));
          setError(report(err).message);
        }
      });
    return () => abort.abort();
  }, [api, requestKey, version]);

  // Live without polling: the tab's shared event stream and the queue's counts say when the page is stale.
  useEffect(() => {
    const live = createTaskListRefresh(() => setVersion((v) => v + 1));
    refresh.current = live;
    const unsubscribe = events.subscribe({
      onEvent: (event) => live.event(event),
      onState: (state) => {
        setFeed(state);
        live.eventStream(state);
      },
      onError: (err) => setError(report(err).message),
    });
    return () => {
      unsubscribe();
      live.dispose();
      refresh.current = null;
    };
  }, [events]);

  useEffect(() => refresh.current?.queue(queue), [queue]);

  function toggle(status: TaskStatus) {
    const next = statuses.includes(status) ? statuses.filter((s) => s !== status) : [...statuses, status];
    location.hash = taskListHref(next, pageSize, includeRetired);
  }

  const tasks = shown.rows;
  const first = firstRowNumber(paging);
  return (
    <main>
      <div class="page-title">
        <h1>Tasks</h1>
        <LiveIndicator state={feed} />
        <a class="button primary" href={newTaskHref()}>
          New task
        </a>
      </div>
      <div class="filters" role="group" aria-label="status filter">
        <a href={taskListHref([], pageSize, includeRetired)} class={`chip ${statuses.length === 0 ? "on" : ""}`}>
          all
        </a>
        {ALL_STATUSES.map((s) => (
          <button key={s} class={`chip ${statuses.includes(s) ? "on" : ""}`} onClick={() => toggle(s)} aria-pressed={statuses.includes(s)}>
            {statusName(s)}
          </button>
        ))}
        <label class="pf-check retired-toggle">
          <input
            type="checkbox"
            checked={includeRetired}
            onChange={(e) => (location.hash = taskListHref(statuses, pageSize, (e.currentTarget as HTMLInputElement).checked))}
          />{" "}
          include retired
        </label>
        <label class="page-size">
          per page{" "}
          <select value={pageSize} onChange={(e) => (location.hash = taskListHref(statuses, Number((e.target as HTMLSelectElement).value), includeRetired))}>
            {PAGE_SIZES.map((n) => (
              <option key={n} value={n}>
                {n}
              </option>
            ))}
          </select>
        </label>
      </div>
      <ErrorBanner message={error} />
      <StaleRowsNotice notice={staleRowsNotice(shown)} onReadAgain={() => setVersion((v) => v + 1)} />
      <table class="grid">
        <thead>
          <tr>
            <th>Priority</th>
            <th>Id</th>
            <th>Title</th>
            <th>Repository</th>
            <th>Status</th>
            <th>Attempts</th>
            <th title="the turn limit per attempt; turns used are on the task's page, per run">Turn limit</th>
            <th>Created</th>
          </tr>
        </thead>
        <tbody>
          <PlaceholderRow items={tasks} columns={8} empty={error === null ? "No tasks match." : null} />
          {tasks?.map((t) => (
            <tr key={String(t.id)} onClick={() => (location.hash = taskHref(t.id))} class="clickable">
              <td>
                <PriorityBadge priority={t.priority} />
              </td>
              <td>
                <a href={taskHref(t.id)}>#{String(t.id)}</a>
              </td>
              <td class="wrap">
                {t.title}
                {t.retiredAt !== undefined && <span class="badge retired">retired</span>}
              </td>
              <td>{t.repository}</td>
              <td>
                <StatusBadge status={t.status} />
              </td>
              <td>
                {t.attemptsUsed}/{t.maxAttempts}
              </td>
              <td>{turnLimitText(t.turnLimit)}</td>
              <td>{formatTime(t.createdAt)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <nav class="pager">
        <button disabled={!canGoPrevious(paging)} onClick={() => setPaging(previousPage)}>
          ← Previous
        </button>
        <span class="muted">
          page {paging.pageIndex + 1}
          {tasks !== null && tasks.length > 0 && ` · rows ${first}–${first + tasks.length - 1}`}
        </span>
        <button disabled={!canGoNext(paging)} onClick={() => setPaging(nextPage)}>
          Next →
        </button>
      </nav>
    </main>
  );
}
