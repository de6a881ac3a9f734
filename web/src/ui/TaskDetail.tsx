import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import type { TaskEvent } from "../gen/devserver/events/v1/events_pb";
import { TaskStatus, type AgentTask, type Run } from "../gen/devserver/tasks/v1/tasks_pb";
import { isPermanent } from "../api/errors";
import { createBatcher } from "../lib/batch";
import { resumable, type StreamState } from "../lib/resumable";
import { changesTask, terminalLine, type EventRow } from "../views/eventModel";
import { durationMs, formatDuration, formatTime } from "../views/format";
import { toRunRow } from "../views/models";
import { ACTION_LABELS, ACTION_ORDER, allowedActions, type TaskAction } from "../views/taskActions";
import { Timeline, type TimelineFilter } from "../views/timeline";
import { Card, ErrorBanner, LiveIndicator, PriorityBadge, StatusBadge } from "./common";
import { useApp } from "./context";
import { RunsChart } from "./RunsChart";
import { confirmed } from "./forms";
import { PatchPanel, SettingsPanel } from "./TaskPanels";
import { Terminal, type TerminalSink } from "./Terminal";
import { VirtualList } from "./VirtualList";

const ROW = 24;
const PROBLEM = new Set([TaskStatus.FAILED, TaskStatus.BLOCKED]);

export function TaskDetail({ id }: { id: bigint }) {
  const { api, report } = useApp();
  const [task, setTask] = useState<AgentTask | null>(null);
  const [runs, setRuns] = useState<Run[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [stream, setStream] = useState<StreamState | null>(null);
  const [filter, setFilter] = useState<TimelineFilter>("no-output");
  const [selected, setSelected] = useState<EventRow | null>(null);
  const [, setVersion] = useState(0);
  const timeline = useMemo(() => new Timeline(), [id]);
  const terminal = useRef<TerminalSink | null>(null);
  const pendingOutput = useRef<string[]>([]);

  async function load(signal?: AbortSignal) {
    try {
      const r = await api.tasks.getTask({ id }, { signal });
      setTask(r.task ?? null);
      setRuns(r.runs);
    } catch (err) {
      if (!signal?.aborted) {
        setError(report(err).message);
      }
    }
  }

  useEffect(() => {
    const abort = new AbortController();
    let reloadTimer: ReturnType<typeof setTimeout> | null = null;
    const scheduleReload = () => {
      reloadTimer ??= setTimeout(() => {
        reloadTimer = null;
        void load(abort.signal);
      }, 200);
    };
    const batcher = createBatcher<TaskEvent>((events) => {
      const added = timeline.append(events);
      const lines: string[] = [];
      for (const e of events) {
        const line = terminalLine(e);
        if (line !== undefined) {
          lines.push(line);
        }
        if (changesTask(e)) {
          scheduleReload();
        }
      }
      if (lines.length > 0) {
        if (terminal.current !== null) {
          terminal.current.write(lines.join(""));
        } else {
          pendingOutput.current.push(...lines);
        }
      }
      if (added > 0) {
        setVersion((v) => v + 1);
      }
    });
    void load(abort.signal);
    void (async () => {
      try {
        for await (const response of resumable({
          // The timeline's last sequence is the resume point: a reconnect replays only what it has not seen.
          open: (after, signal, opened) => api.events.watchTaskEvents({ taskId: id, afterSequence: after, announceCaughtUp: true }, { signal, onHeader: opened }),
          cursorOf: (r) => r.event?.sequence ?? 0n,
          caughtUp: (r) => r.caughtUp,
          after: timeline.lastSequence,
          signal: abort.signal,
          endIsFinal: false,
          retryable: (err) => !isPermanent(err),
          onState: (s) => {
            setStream(s);
            if (s.kind === "live") {
              scheduleReload();
            }
          },
        })) {
          if (response.event !== undefined) {
            batcher.push(response.event);
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
      batcher.dispose();
      if (reloadTimer !== null) {
        clearTimeout(reloadTimer);
      }
    };
  }, [api, id]);

  async function act(name: string, call: () => Promise<{ task?: AgentTask }>) {
    setBusy(true);
    try {
      const r = await call();
      if (r.task !== undefined) {
        setTask(r.task);
      }
      setError(null);
    } catch (err) {
      setError(`${name}: ${report(err).message}`);
    } finally {
      setBusy(false);
    }
  }

  function run(action: TaskAction) {
    switch (action) {
      case "enqueue":
        return act("enqueue", () => api.tasks.enqueueTask({ id }));
      case "cancel":
        return act("cancel", () => api.tasks.cancelTask({ id, reason: "cancelled from the dashboard" }));
      case "retry":
        return act("retry", () => api.tasks.retryTask({ id }));
      case "retire":
        return act("retire", () => api.tasks.updateTask({ id, retired: true }));
      case "unretire":
        return act("bring back", () => api.tasks.updateTask({ id, retired: false }));
      case "delete":
        return remove();
    }
  }

  async function remove() {
    if (!confirmed(`Delete task #${id} "${task?.title ?? ""}" with all its attempts and events? This cannot be undone.`)) {
      return;
    }
    setBusy(true);
    try {
      await api.tasks.deleteTask({ id });
      location.hash = "#/tasks";
    } catch (err) {
      setError(`delete: ${report(err).message}`);
      setBusy(false);
    }
  }

  const rows = timeline.view(filter);
  const runRows = useMemo(() => runs.map(toRunRow), [runs]);
  const actions = task === null ? new Set<TaskAction>() : allowedActions(task.status, task.retiredAt !== undefined);

  return (
    <main>
      <div class="page-title">
        <h1>
          <a href="#/tasks" class="muted">
            Tasks
          </a>{" "}
          / #{String(id)} {task?.title ?? ""}
        </h1>
        <LiveIndicator state={stream} />
      </div>
      <ErrorBanner message={error} onClose={() => setError(null)} />
      {task !== null && (
        <section class="task-head">
          <PriorityBadge priority={task.priority} />{" "}
          <span data-testid="task-status">
            <StatusBadge status={task.status} />
          </span>
          <span>{task.repository}</span>
          <span class="muted">
            {task.onBackup ? `${task.backupVendor}/${task.backupModel || "default"} (backup)` : `${task.vendor}/${task.model || "default"}`}
          </span>
          <span class="muted">
            attempts {task.attemptsUsed}/{task.maxAttempts}
          </span>
          <span class="muted">created {formatTime(task.createdAt)}</span>
          {task.statusReason !== "" && <span class={PROBLEM.has(task.status) ? "tone-error" : "muted"}>{task.statusReason}</span>}
          {task.retiredAt !== undefined && <span class="badge retired">retired {formatTime(task.retiredAt)}</span>}
          <span class="buttons">
            {ACTION_ORDER.filter((a) => actions.has(a)).map((a) => (
              <button key={a} class={a === "delete" ? "danger" : ""} disabled={busy} onClick={() => void run(a)}>
                {ACTION_LABELS[a]}
              </button>
            ))}
          </span>
        </section>
      )}
      <div class="task-layout">
        <div class="task-main">
          <div class="detail-grid">
            <Card
              title={`Events (${timeline.size})`}
              actions={
                <select value={filter} onChange={(e) => setFilter((e.target as HTMLSelectElement).value as TimelineFilter)} aria-label="event filter">
                  <option value="no-output">without output lines</option>
                  <option value="all">everything</option>
                  <option value="problems">warnings and errors</option>
                </select>
              }
            >
              <VirtualList
                items={rows}
                rowHeight={ROW}
                height={420}
                follow
                rowKey={(r) => String(r.sequence)}
                renderRow={(r) => (
                  <button
                    class={`event tone-${r.tone} ${selected?.sequence === r.sequence ? "selected" : ""}`}
                    data-testid="event-row"
                    data-sequence={String(r.sequence)}
                    onClick={() => setSelected(r)}
                  >
                    <span class="seq">{String(r.sequence)}</span>
                    <span class="time">{r.time.slice(11)}</span>
                    <span class="att">{r.attempt > 0 ? `#${r.attempt}` : ""}</span>
                    <span class="label">{r.label}</span>
                    <span class="summary">{r.summary}</span>
                  </button>
                )}
              />
              {selected !== null && (
                <div class="event-details">
                  <strong>
                    {selected.label} · event {String(selected.sequence)} · {selected.time}
                  </strong>
                  <p>{selected.summary}</p>
                  {selected.details.length > 0 && <pre>{selected.details.join("\n")}</pre>}
                </div>
              )}
            </Card>
            <Card title="Agent output">
              <Terminal
                onReady={(sink) => {
                  terminal.current = sink;
                  if (pendingOutput.current.length > 0) {
                    sink.write(pendingOutput.current.join(""));
                    pendingOutput.current = [];
                  }
                }}
              />
            </Card>
          </div>
          <Card title="Run history">
            {runRows.length === 0 ? (
              <p class="muted">No attempt yet.</p>
            ) : (
              <>
                <table class="grid">
                  <thead>
                    <tr>
                      <th>Attempt</th>
                      <th>Vendor/model</th>
                      <th>Outcome</th>
                      <th>Exit</th>
                      <th>Turns</th>
                      <th>Cost</th>
                      <th>Duration</th>
                      <th>Error kind · class</th>
                      <th>Error</th>
                    </tr>
                  </thead>
                  <tbody>
                    {runRows.map((r) => (
                      <tr key={r.attempt}>
                        <td>#{r.attempt}</td>
                        <td>{r.vendorModel}</td>
                        <td class={`tone-${r.tone}`}>{r.outcome}</td>
                        <td>{r.exit}</td>
                        <td>{r.turns}</td>
                        <td>{r.cost}</td>
                        <td>{r.duration}</td>
                        <td>{r.errorKind}</td>
                        <td class="wrap">{r.error}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
                {runs.length > 1 && <RunsChart runs={runs} />}
              </>
            )}
            {task?.delivery !== undefined && (
              <p>
                Delivered {formatTime(task.delivery.deliveredAt)}
                {task.delivery.pullRequestUrl !== "" && (
                  <>
                    {" "}
                    · <a href={task.delivery.pullRequestUrl}>pull request #{String(task.delivery.pullRequestNumber)}</a>
                  </>
                )}
                {task.delivery.branch !== "" && ` · ${task.delivery.branch}`}
              </p>
            )}
            {task?.attemptTimeout !== undefined && <p class="muted small">Attempt time limit {formatDuration(durationMs(task.attemptTimeout))}</p>}
          </Card>
          <PatchPanel taskId={id} runs={runs} status={task?.status} />
        </div>
        <aside class="task-side">
          {task !== null && <SettingsPanel task={task} onSaved={setTask} />}
          {task !== null && (
            <Card title="Request">
              <details>
                <summary>Description</summary>
                <pre>{task.description === "" ? "—" : task.description}</pre>
              </details>
              {task.acceptance !== "" && (
                <details>
                  <summary>Acceptance</summary>
                  <pre>{task.acceptance}</pre>
                </details>
              )}
              <p class="small muted">
                {task.baseBranch !== "" && `base ${task.baseBranch}`}
                {task.baseCommit !== "" && ` @ ${task.baseCommit.slice(0, 12)}`}
                {task.labels.length > 0 && ` · labels ${task.labels.join(", ")}`}
              </p>
            </Card>
          )}
        </aside>
      </div>
    </main>
  );
}
