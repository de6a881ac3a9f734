import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import type { TaskEvent } from "../gen/devserver/events/v1/events_pb";
import type { QueueState, Worker } from "../gen/devserver/queue/v1/queue_pb";
import { TaskStatus, type AgentTask } from "../gen/devserver/tasks/v1/tasks_pb";
import { isPermanent } from "../api/errors";
import { resumable, type StreamState } from "../lib/resumable";
import { taskHref, tasksHref } from "../lib/route";
import { toEventRow, isOutput } from "../views/eventModel";
import { toQueueSummary, toWorkerChip } from "../views/models";
import { Card, ErrorBanner, LiveIndicator, PriorityBadge, StatusBadge } from "./common";
import { useApp } from "./context";
import { useNow } from "./hooks";

const RECENT = 40;

export function Dashboard() {
  const { api, report } = useApp();
  const now = useNow();
  const [queue, setQueue] = useState<QueueState | undefined>(undefined);
  const [workers, setWorkers] = useState<Worker[]>([]);
  const [running, setRunning] = useState<AgentTask[]>([]);
  const [recent, setRecent] = useState<TaskEvent[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [stream, setStream] = useState<StreamState | null>(null);
  const refreshTimer = useRef<ReturnType<typeof setTimeout> | null>(null);

  async function refresh(signal?: AbortSignal) {
    // Each part on its own: a failing call (an older orchestrator, say) must not blank the others.
    const [q, w, r] = await Promise.allSettled([
      api.queue.getQueue({}, { signal }),
      api.queue.listWorkers({}, { signal }),
      api.tasks.listTasks({ statuses: [TaskStatus.RUNNING, TaskStatus.VERIFYING, TaskStatus.DELIVERING], pageSize: 20 }, { signal }),
    ]);
    if (signal?.aborted) {
      return;
    }
    if (q.status === "fulfilled") {
      setQueue(q.value.queue);
    }
    if (w.status === "fulfilled") {
      setWorkers(w.value.workers);
    }
    if (r.status === "fulfilled") {
      setRunning(r.value.tasks);
    }
    const failed = [q, w, r].find((p): p is PromiseRejectedResult => p.status === "rejected");
    setError(failed === undefined ? null : report(failed.reason).message);
  }

  // One global event stream drives every refresh: a task event is the only thing that changes counts and loads.
  useEffect(() => {
    const abort = new AbortController();
    void refresh(abort.signal);
    const scheduleRefresh = () => {
      if (refreshTimer.current === null) {
        refreshTimer.current = setTimeout(() => {
          refreshTimer.current = null;
          void refresh(abort.signal);
        }, 250);
      }
    };
    void (async () => {
      try {
        for await (const response of resumable({
          open: (after, signal, opened) => api.events.watchEvents({ afterPosition: after }, { signal, onHeader: opened }),
          cursorOf: (r) => r.event?.position ?? 0n,
          after: -1n,
          signal: abort.signal,
          endIsFinal: false,
          retryable: (err) => !isPermanent(err),
          onState: (s) => {
            setStream(s);
            // After a reconnect the counts may have moved while we were away.
            if (s.kind === "live") {
              scheduleRefresh();
            }
          },
        })) {
          const event = response.event;
          if (event === undefined) {
            continue;
          }
          if (!isOutput(event)) {
            setRecent((prev) => [event, ...prev].slice(0, RECENT));
          }
          if (event.kind.case === "statusChanged" || event.kind.case === "attemptStarted" || event.kind.case === "agentFinished" || event.kind.case === "workerLost" || event.kind.case === "vendorPaused") {
            scheduleRefresh();
          }
        }
      } catch (err) {
        if (!abort.signal.aborted) {
          setError(report(err).message);
        }
      }
    })();
    return () => {
      abort.abort();
      if (refreshTimer.current !== null) {
        clearTimeout(refreshTimer.current);
        refreshTimer.current = null;
      }
    };
  }, [api]);

  async function setPaused(paused: boolean) {
    setBusy(true);
    try {
      const r = await api.queue.updateQueue({ paused });
      setQueue(r.queue);
      setError(null);
    } catch (err) {
      setError(report(err).message);
    } finally {
      setBusy(false);
    }
  }

  const summary = toQueueSummary(queue);
  const chips = useMemo(() => workers.map((w) => toWorkerChip(w, now)), [workers, now]);

  return (
    <main>
      <div class="page-title">
        <h1>Dashboard</h1>
        <LiveIndicator state={stream} />
      </div>
      <ErrorBanner message={error} onClose={() => setError(null)} />
      <section class="workers" aria-label="workers">
        {chips.length === 0 && <span class="muted">No worker has connected yet.</span>}
        {chips.map((c) => (
          <div class={`worker tone-${c.tone}`} key={c.id} title={`${c.id} · last heartbeat ${c.lastHeartbeat}`}>
            <strong>{c.name}</strong>
            <span class="muted">{c.kind}</span>
            <span>{c.online ? "online" : "offline"}</span>
            <span class="load" title="assignments / capacity">
              <span class="bar">
                <span style={{ width: `${Math.round(c.loadFraction * 100)}%` }} />
              </span>
              {c.load}
            </span>
            <span class="muted">♥ {c.lastHeartbeat}</span>
            {c.pausedUntil !== "" && <span class="tone-warn">paused, resumes {c.pausedUntil}</span>}
          </div>
        ))}
      </section>
      <div class="stats">
        <div class={`stat tone-${summary.tone}`}>
          <span class="label">Queue</span>
          <span class="value">{summary.state}</span>
          <span class="muted">{summary.concurrency}</span>
        </div>
        <a class="stat" href={tasksHref([TaskStatus.RUNNING, TaskStatus.VERIFYING], 50)}>
          <span class="label">Active</span>
          <span class="value">{summary.active}</span>
          <span class="muted">running or verifying</span>
        </a>
        <a class="stat" href={tasksHref([TaskStatus.QUEUED], 50)}>
          <span class="label">Queued</span>
          <span class="value">{summary.queued}</span>
          <span class="muted">waiting for a slot</span>
        </a>
        <div class="stat">
          <span class="label">Controls</span>
          <span class="buttons">
            <button onClick={() => void setPaused(true)} disabled={busy || queue === undefined || queue.paused}>
              Pause
            </button>
            <button onClick={() => void setPaused(false)} disabled={busy || queue === undefined || !queue.paused} class="primary">
              Resume
            </button>
          </span>
        </div>
      </div>
      <div class="columns">
        <Card title="Running agents">
          {running.length === 0 ? (
            <p class="muted">Nothing is running.</p>
          ) : (
            <ul class="plain">
              {running.map((t) => (
                <li key={String(t.id)}>
                  <PriorityBadge priority={t.priority} /> <a href={taskHref(t.id)}>#{String(t.id)} {t.title}</a>{" "}
                  <StatusBadge status={t.status} /> <span class="muted">{t.repository}</span>
                </li>
              ))}
            </ul>
          )}
        </Card>
        <Card title="Latest events">
          {recent.length === 0 ? (
            <p class="muted">Waiting for events…</p>
          ) : (
            <ul class="plain events-mini">
              {recent.map((e) => {
                const row = toEventRow(e);
                return (
                  <li key={String(e.position)} class={`tone-${row.tone}`}>
                    <span class="muted">{row.time.slice(11)}</span> <a href={taskHref(e.taskId)}>#{String(e.taskId)}</a>{" "}
                    <strong>{row.label}</strong> {row.summary}
                  </li>
                );
              })}
            </ul>
          )}
        </Card>
      </div>
    </main>
  );
}
