import { useEffect, useState } from "preact/hooks";
import { LogLevel } from "../gen/devserver/logs/v1/logs_pb";
import { isPermanent } from "../api/errors";
import { createBatcher } from "../lib/batch";
import { resumable, type StreamState } from "../lib/resumable";
import {
  appendLines,
  DEFAULT_FILTER,
  FOLLOWING,
  followAppended,
  followScrolled,
  jumpLabel,
  LEVELS,
  matchesFilter,
  MAX_LINES,
  toLogLine,
  watchRequest,
  type FollowState,
  type LogFilter,
  type LogLine,
  type SourceFilter,
} from "../views/logs";
import { Card, ErrorBanner, LiveIndicator } from "./common";
import { useApp } from "./context";
import { VirtualList } from "./VirtualList";

const ROW = 22;
const SOURCES: ReadonlyArray<{ value: SourceFilter; label: string }> = [
  { value: "all", label: "all" },
  { value: "orchestrator", label: "orchestrator" },
  { value: "workers", label: "workers" },
];

/** The list fills the window below the page's header and filters (and the details, when open), however tall. */
function useListHeight(reserved: number): number {
  const [windowHeight, setWindowHeight] = useState(() => (typeof innerHeight === "number" ? innerHeight : 800));
  useEffect(() => {
    const on = () => setWindowHeight(innerHeight);
    addEventListener("resize", on);
    return () => removeEventListener("resize", on);
  }, []);
  return Math.max(200, windowHeight - reserved);
}

interface ListState {
  lines: LogLine[];
  follow: FollowState;
  /** Lines dropped from the top for the cap so far, so a scrolled-up view can stay on what it shows. */
  dropped: number;
}

const EMPTY: ListState = { lines: [], follow: FOLLOWING, dropped: 0 };

export function Logs() {
  const { api, report } = useApp();
  const [filter, setFilter] = useState<LogFilter>(DEFAULT_FILTER);
  const [list, setList] = useState<ListState>(EMPTY);
  const [stream, setStream] = useState<StreamState | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [selected, setSelected] = useState<LogLine | null>(null);
  const [jump, setJump] = useState(0);
  const height = useListHeight(selected === null ? 190 : 350);

  // One live tail per filter: the server filters, and a new filter starts over with its own tail.
  useEffect(() => {
    const abort = new AbortController();
    setList(EMPTY);
    setSelected(null);
    const batcher = createBatcher<LogLine>((items) =>
      setList((prev) => {
        const next = appendLines(prev.lines, items, MAX_LINES);
        return next.added === 0 ? prev : { lines: next.lines, follow: followAppended(prev.follow, next.added), dropped: prev.dropped + next.dropped };
      }),
    );
    void (async () => {
      try {
        for await (const response of resumable({
          open: (after, signal, opened) => api.logs.watchLogs(watchRequest(filter, after), { signal, onHeader: opened }),
          // A message carries several entries, oldest first: resume after its last one.
          cursorOf: (r) => r.entries.at(-1)?.position ?? 0n,
          caughtUp: (r) => r.caughtUp,
          after: 0n,
          signal: abort.signal,
          endIsFinal: false,
          retryable: (err) => !isPermanent(err),
          onState: setStream,
        })) {
          for (const entry of response.entries) {
            const line = toLogLine(entry);
            if (matchesFilter(line, filter)) {
              batcher.push(line);
            }
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
    };
  }, [api, filter.minLevel, filter.source]);

  const label = jumpLabel(list.follow);

  return (
    <main class="wide">
      <div class="page-title">
        <h1>Logs</h1>
        <LiveIndicator state={stream} />
        <span class="spacer" />
        <span class="muted small">
          {list.lines.length.toLocaleString()} lines{list.lines.length >= MAX_LINES ? ` (the latest ${MAX_LINES.toLocaleString()} are kept)` : ""}
        </span>
        <button onClick={() => setList((l) => ({ ...l, lines: [] }))} disabled={list.lines.length === 0}>
          Clear
        </button>
      </div>
      <ErrorBanner message={error} onClose={() => setError(null)} />
      <div class="filters">
        <label>
          Level{" "}
          <select
            value={String(filter.minLevel)}
            onChange={(e) => setFilter((f) => ({ ...f, minLevel: Number((e.currentTarget as HTMLSelectElement).value) as LogLevel }))}
          >
            {LEVELS.map((l) => (
              <option key={l.level} value={String(l.level)}>
                {l.name} and above
              </option>
            ))}
          </select>
        </label>
        <span class="muted">Source</span>
        {SOURCES.map((s) => (
          <button key={s.value} class={`chip ${filter.source === s.value ? "on" : ""}`} aria-pressed={filter.source === s.value} onClick={() => setFilter((f) => ({ ...f, source: s.value }))}>
            {s.label}
          </button>
        ))}
      </div>
      <div class="logs">
        {list.lines.length === 0 ? (
          <p class="muted empty" style={{ height: `${height}px` }}>
            {stream?.kind === "live" ? "No log entries match yet; new ones appear here as they are written." : "Connecting to the log stream…"}
          </p>
        ) : (
          <VirtualList
            items={list.lines}
            rowHeight={ROW}
            height={height}
            follow
            jumpToken={jump}
            removedAbove={list.dropped}
            onAtBottomChange={(atBottom) => setList((l) => ({ ...l, follow: followScrolled(l.follow, atBottom) }))}
            rowKey={(l) => String(l.position)}
            renderRow={(l) => (
              <button
                class={`logrow sev-${l.severity} ${selected?.position === l.position ? "selected" : ""}`}
                data-testid="log-row"
                data-source={l.source}
                onClick={() => setSelected(l)}
                title={l.category}
              >
                <span class="time">{l.time}</span>
                <span class="level">{l.levelName}</span>
                <span class="source">{l.source}</span>
                <span class="category">{l.shortCategory}</span>
                <span class="message">
                  {l.summary}
                  {l.hasMore ? " …" : ""}
                </span>
              </button>
            )}
          />
        )}
        {label !== null && list.lines.length > 0 && (
          <button class="jump primary" onClick={() => setJump((n) => n + 1)}>
            ↓ {label}
          </button>
        )}
      </div>
      {selected !== null && <LogDetails line={selected} onClose={() => setSelected(null)} />}
    </main>
  );
}

/**
 * The clicked line's whole message and exception. A Card like every other panel: a region named by its heading
 * ("error · 2026-11-22 08:15:03.123 · orchestrator"), so a screen reader lists it among the landmarks and announces
 * what it shows when focus moves into it.
 */
export function LogDetails({ line, onClose }: { line: LogLine; onClose: () => void }) {
  return (
    <Card
      class="log-details"
      title={
        <>
          <span class={`sev-${line.severity}`}>{line.levelName}</span> · {line.when} · {line.source}
        </>
      }
      actions={
        <button class="link" onClick={onClose} aria-label="close the details">
          ×
        </button>
      }
    >
      <p class="muted small">
        {line.category} · position {String(line.position)}
      </p>
      <pre>{line.message}</pre>
      {line.exception !== "" && <pre class="tone-error">{line.exception}</pre>}
    </Card>
  );
}
