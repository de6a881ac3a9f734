import { useEffect, useMemo, useState } from "preact/hooks";
import type { TaskEvent } from "../gen/devserver/events/v1/events_pb";
import { TaskStatus, type AgentTask } from "../gen/devserver/tasks/v1/tasks_pb";
import { createDebouncer } from "../lib/debounce";
import type { StreamState } from "../lib/resumable";
import { taskHref } from "../lib/route";
import { browserTimeZone } from "../lib/timezone";
import { eventEffects, toDashboardView } from "../views/dashboard";
import { toEventRow } from "../views/eventModel";
import { Analytics } from "./Analytics";
import { Card, ErrorBanner, LiveIndicator, PriorityBadge, StatusBadge } from "./common";
import { useApp } from "./context";
import { useNow } from "./hooks";
import { useQueueState } from "./useQueueState";

const RECENT = 40;
const RUNNING = [TaskStatus.RUNNING, TaskStatus.VERIFYING, TaskStatus.DELIVERING];

export function Dashboard() {
  const { api, report, events } = useApp();
  const now = useNow();
  // The queue and the workers, with "today" from the browser's midnight (UTC if the orchestrator does not know its
  // zone): WatchQueue sends the whole picture on every change and reconnects on its own.
  const [zone] = useState(browserTimeZone);
  const { snapshot, stream: queueStream, utcOnly, error: queueError, showQueue } = useQueueState(zone);
  const [eventStream, setEventStream] = useState<StreamState | null>(null);
  const [running, setRunning] = useState<AgentTask[]>([]);
  const [recent, setRecent] = useState<TaskEvent[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  // Bumped (debounced) when tasks finish: the analytics re-read their figures then, and only then.
  const [finished, setFinished] = useState(0);

  // An error that ended the queue's watch (already reported) shows in the banner too.
  useEffect(() => {
    if (queueError !== null) {
      setError(queueError.message);
    }
  }, [queueError]);

  // The running agents and the latest events: the tab's shared global event stream (resumable by position).
  useEffect(() => {
    const abort = new AbortController();
    const refreshRunning = async () => {
      try {
        const r = await api.tasks.listTasks({ statuses: RUNNING, pageSize: 20 }, { signal: abort.signal });
        if (!abort.signal.aborted) {
          setRunning(r.tasks);
        }
      } catch (err) {
        if (!abort.signal.aborted) {
          setError(report(err).message);
        }
      }
    };
    const running = createDebouncer(() => void refreshRunning(), 250, 1000);
    const analytics = createDebouncer(() => setFinished((n) => n + 1), 1500, 10_000);
    void refreshRunning();
    let wasDown = false;
    const unsubscribe = events.subscribe({
      onState: (s) => {
        setEventStream(s);
        if (s.kind === "reconnecting") {
          wasDown = true;
        } else if (s.kind === "live" && wasDown) {
          // Back after a gap: tasks may have started or finished meanwhile.
          wasDown = false;
          running.trigger();
          analytics.trigger();
        }
      },
      onEvent: (event) => {
        const effects = eventEffects(event);
        if (effects.recent) {
          setRecent((prev) => [event, ...prev].slice(0, RECENT));
        }
        if (effects.running) {
          running.trigger();
        }
        if (effects.analytics) {
          analytics.trigger();
        }
      },
      onError: (err) => setError(report(err).message),
    });
    return () => {
      unsubscribe();
      abort.abort();
      running.dispose();
      analytics.dispose();
    };
  }, [api, events]);

  async function setPaused(paused: boolean) {
    setBusy(true);
    try {
      const r = await api.queue.updateQueue({ paused });
      // WatchQueue sends the change too; showing the answer at once keeps the buttons honest meanwhile.
      if (r.queue !== undefined) {
        showQueue(r.queue);
      }
      setError(null);
    } catch (err) {
      setError(report(err).message);
    } finally {
      setBusy(false);
    }
  }

  const view = useMemo(() => toDashboardView(snapshot, now), [snapshot, now]);

  return (
    <main>
      <div class="page-title">
        <h1>Dashboard</h1>
        <LiveIndicator state={queueStream} />
        <span class="spacer" />
        <span class="buttons">
          <button onClick={() => void setPaused(true)} disabled={busy || view.paused !== false} title="stop dispatching new tasks; running ones go on">
            Pause queue
          </button>
          <button onClick={() => void setPaused(false)} disabled={busy || view.paused !== true} class="primary">
            Resume queue
          </button>
          <a class="button" href="#/tasks/new">
            + Add task
          </a>
        </span>
      </div>
      <ErrorBanner message={error} onClose={() => setError(null)} />
      {utcOnly && <p class="muted small">"Today" is counted in UTC: the orchestrator does not know this browser's time zone.</p>}

      <section class="queuebar" aria-label="queue">
        <span class={`badge queue-${view.summary.tone}`}>{view.summary.state}</span>
        <span>{view.summary.concurrency}</span>
        <span class="muted">·</span>
        <span>
          queue depth <strong>{snapshot === undefined ? "—" : view.depth}</strong>
        </span>
        {view.counts.length > 0 && <span class="muted">·</span>}
        {view.counts.map((c) => (
          <a key={c.status} class={`badge status-${c.name}`} href={c.href} title={`${c.count} ${c.name}`}>
            {c.name} {c.count}
          </a>
        ))}
        {snapshot !== undefined && view.counts.length === 0 && <span class="muted">no tasks yet</span>}
      </section>

      <section class="workers" aria-label="workers">
        <span class="muted workers-count">{view.workersText}</span>
        {snapshot !== undefined && view.workers.length === 0 && <span class="muted">No sidecar or verifier has connected yet.</span>}
        {view.workers.map((w) => (
          <div class={`worker tone-${w.tone}`} key={w.id} title={w.title}>
            <strong>{w.name}</strong>
            <span class="muted">{w.kind}</span>
            <span>{w.online ? "online" : "offline"}</span>
            <span class="load" title={`${w.active} of ${w.capacity} assignments in use`}>
              <span class="bar">
                <span style={{ width: `${Math.round(w.loadFraction * 100)}%` }} />
              </span>
              {w.load}
            </span>
            <span class="muted" title="last heartbeat">
              ♥ {w.lastHeartbeat}
            </span>
            {w.pausedText !== "" && <span class="tone-warn">account paused, {w.pausedText}</span>}
          </div>
        ))}
      </section>

      <div class="stats">
        {view.stats.map((s) => (
          <a class={`stat tone-${s.tone}`} key={s.key} href={s.href}>
            <span class="label">{s.label}</span>
            <span class="value">{s.value}</span>
            <span class="muted">{s.hint}</span>
          </a>
        ))}
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
        <Card title="Latest events" actions={<LiveIndicator state={eventStream} />}>
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

      <Analytics refreshToken={finished} />
    </main>
  );
}
