import { useEffect, useState } from "preact/hooks";
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
import { taskHref, tasksHref } from "../lib/route";
import { ALL_STATUSES, formatTime, statusName } from "../views/format";
import { ErrorBanner, PriorityBadge, StatusBadge } from "./common";
import { useApp } from "./context";

export function Tasks({ statuses, pageSize }: { statuses: TaskStatus[]; pageSize: number }) {
  const { api, report } = useApp();
  const [paging, setPaging] = useState<PagingState>(() => initialPaging(pageSize, statuses));
  const [tasks, setTasks] = useState<AgentTask[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const filterKey = `${statuses.join(",")}|${pageSize}`;

  // The filter lives in the address (shareable, back button); a new filter starts at page one.
  useEffect(() => setPaging(initialPaging(pageSize, statuses)), [filterKey]);

  const request = pageRequest(paging);
  const requestKey = `${request.statuses.join(",")}|${request.pageSize}|${request.pageToken}`;
  useEffect(() => {
    const abort = new AbortController();
    setTasks(null);
    api.tasks
      .listTasks(request, { signal: abort.signal })
      .then((r) => {
        setTasks(r.tasks);
        setPaging((p) => pageLoaded(p, r.nextPageToken));
        setError(null);
      })
      .catch((err: unknown) => {
        if (!abort.signal.aborted) {
          setTasks([]);
          setError(report(err).message);
        }
      });
    return () => abort.abort();
  }, [api, requestKey]);

  function toggle(status: TaskStatus) {
    const next = statuses.includes(status) ? statuses.filter((s) => s !== status) : [...statuses, status];
    location.hash = tasksHref(next, pageSize);
  }

  const first = firstRowNumber(paging);
  return (
    <main>
      <div class="page-title">
        <h1>Tasks</h1>
      </div>
      <div class="filters" role="group" aria-label="status filter">
        <a href={tasksHref([], pageSize)} class={`chip ${statuses.length === 0 ? "on" : ""}`}>
          all
        </a>
        {ALL_STATUSES.map((s) => (
          <button key={s} class={`chip ${statuses.includes(s) ? "on" : ""}`} onClick={() => toggle(s)} aria-pressed={statuses.includes(s)}>
            {statusName(s)}
          </button>
        ))}
        <label class="page-size">
          per page{" "}
          <select value={pageSize} onChange={(e) => (location.hash = tasksHref(statuses, Number((e.target as HTMLSelectElement).value)))}>
            {PAGE_SIZES.map((n) => (
              <option key={n} value={n}>
                {n}
              </option>
            ))}
          </select>
        </label>
      </div>
      <ErrorBanner message={error} />
      <table class="grid">
        <thead>
          <tr>
            <th>Priority</th>
            <th>Id</th>
            <th>Title</th>
            <th>Repository</th>
            <th>Status</th>
            <th>Attempts</th>
            <th>Created</th>
          </tr>
        </thead>
        <tbody>
          {tasks === null && (
            <tr>
              <td colSpan={7} class="muted">
                Loading…
              </td>
            </tr>
          )}
          {tasks !== null && tasks.length === 0 && error === null && (
            <tr>
              <td colSpan={7} class="muted">
                No tasks match.
              </td>
            </tr>
          )}
          {tasks?.map((t) => (
            <tr key={String(t.id)} onClick={() => (location.hash = taskHref(t.id))} class="clickable">
              <td>
                <PriorityBadge priority={t.priority} />
              </td>
              <td>
                <a href={taskHref(t.id)}>#{String(t.id)}</a>
              </td>
              <td>{t.title}</td>
              <td>{t.repository}</td>
              <td>
                <StatusBadge status={t.status} />
              </td>
              <td>
                {t.attemptsUsed}/{t.maxAttempts}
              </td>
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
