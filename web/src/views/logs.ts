// Log entries → the rows of the Logs page, its filters, the cap on kept lines and the follow-the-tail logic.
import type { MessageInitShape } from "@bufbuild/protobuf";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import { LogLevel, type LogEntry, type WatchLogsRequestSchema } from "../gen/devserver/logs/v1/logs_pb";

export const LEVELS: ReadonlyArray<{ level: LogLevel; name: string }> = [
  { level: LogLevel.TRACE, name: "trace" },
  { level: LogLevel.DEBUG, name: "debug" },
  { level: LogLevel.INFORMATION, name: "info" },
  { level: LogLevel.WARNING, name: "warning" },
  { level: LogLevel.ERROR, name: "error" },
  { level: LogLevel.CRITICAL, name: "critical" },
];

export function levelName(level: LogLevel): string {
  return LEVELS.find((l) => l.level === level)?.name ?? (level === LogLevel.UNSPECIFIED ? "info" : `level ${level}`);
}

/** The CSS severity class: trace/debug grey, info plain, warning amber, error red, critical red on red. */
export function severity(level: LogLevel): "trace" | "debug" | "info" | "warning" | "error" | "critical" {
  switch (level) {
    case LogLevel.TRACE:
      return "trace";
    case LogLevel.DEBUG:
      return "debug";
    case LogLevel.WARNING:
      return "warning";
    case LogLevel.ERROR:
      return "error";
    case LogLevel.CRITICAL:
      return "critical";
    default:
      return level > LogLevel.CRITICAL ? "critical" : "info";
  }
}

export interface LogLine {
  position: bigint;
  /** Local time with milliseconds, "08:15:03.123". */
  time: string;
  /** Local date and time, for the details. */
  when: string;
  level: LogLevel;
  levelName: string;
  severity: ReturnType<typeof severity>;
  source: string;
  category: string;
  /** The category without its namespace ("DevServer.Orchestrator.Queue.Dispatcher" → "Dispatcher"). */
  shortCategory: string;
  /** The message's first line: one row each. */
  summary: string;
  message: string;
  exception: string;
  /** True when the row hides something (more lines, an exception): the details show it. */
  hasMore: boolean;
}

const p2 = (n: number) => String(n).padStart(2, "0");

export function toLogLine(e: LogEntry): LogLine {
  const d = e.time === undefined ? undefined : timestampDate(e.time);
  const time = d === undefined ? "--:--:--.---" : `${p2(d.getHours())}:${p2(d.getMinutes())}:${p2(d.getSeconds())}.${String(d.getMilliseconds()).padStart(3, "0")}`;
  const when = d === undefined ? "—" : `${d.getFullYear()}-${p2(d.getMonth() + 1)}-${p2(d.getDate())} ${time}`;
  const newline = e.message.indexOf("\n");
  const summary = (newline < 0 ? e.message : e.message.slice(0, newline)).trimEnd();
  const dot = e.category.lastIndexOf(".");
  return {
    position: e.position,
    time,
    when,
    level: e.level,
    levelName: levelName(e.level),
    severity: severity(e.level),
    source: e.source,
    category: e.category,
    shortCategory: dot < 0 ? e.category : e.category.slice(dot + 1),
    summary,
    message: e.message,
    exception: e.exception,
    hasMore: newline >= 0 || e.exception !== "",
  };
}

export type SourceFilter = "all" | "orchestrator" | "workers";

export interface LogFilter {
  /** Entries at this level or above. */
  minLevel: LogLevel;
  source: SourceFilter;
}

export const DEFAULT_FILTER: LogFilter = { minLevel: LogLevel.INFORMATION, source: "all" };

/** The contract's source_prefix for the filter (sources are "orchestrator <instance>" and "worker <id>"). */
export function sourcePrefix(source: SourceFilter): string {
  switch (source) {
    case "orchestrator":
      return "orchestrator ";
    case "workers":
      return "worker ";
    default:
      return "";
  }
}

/** How many of the latest entries to show first. */
export const TAIL = 1000;

/** The WatchLogs request: the server filters; `after` 0 starts with the tail, later the last position seen. */
export function watchRequest(filter: LogFilter, after: bigint, tail = TAIL): MessageInitShape<typeof WatchLogsRequestSchema> {
  return {
    afterPosition: after,
    tail: after === 0n ? Math.min(5000, Math.max(1, tail)) : 0,
    minLevel: filter.minLevel === LogLevel.UNSPECIFIED ? LogLevel.INFORMATION : filter.minLevel,
    sourcePrefix: sourcePrefix(filter.source),
    // The page shows "live" on it even when nothing matches yet (Firefox shows no headers before a first message).
    announceCaughtUp: true,
  };
}

/** The same filter on the client: an entry the server should not have sent (an older server) is not shown. */
export function matchesFilter(line: LogLine, filter: LogFilter): boolean {
  const min = filter.minLevel === LogLevel.UNSPECIFIED ? LogLevel.INFORMATION : filter.minLevel;
  const level = line.level === LogLevel.UNSPECIFIED ? LogLevel.INFORMATION : line.level;
  return level >= min && line.source.startsWith(sourcePrefix(filter.source));
}

/** The most lines kept in the browser; older ones are dropped first. */
export const MAX_LINES = 50_000;

export interface Appended {
  lines: LogLine[];
  /** Lines that arrived and were kept (not duplicates). */
  added: number;
  /** Old lines dropped to stay within the cap. */
  dropped: number;
}

/**
 * Adds newly arrived lines after the kept ones: a line at or before the last kept position is a replay after a
 * reconnect and is dropped, and the oldest lines go once there are more than `cap`.
 */
export function appendLines(lines: readonly LogLine[], incoming: readonly LogLine[], cap = MAX_LINES): Appended {
  let last = lines.length === 0 ? -1n : (lines[lines.length - 1]?.position ?? -1n);
  const fresh: LogLine[] = [];
  for (const line of incoming) {
    if (line.position > last) {
      fresh.push(line);
      last = line.position;
    }
  }
  if (fresh.length === 0) {
    return { lines: lines as LogLine[], added: 0, dropped: 0 };
  }
  const limit = Math.max(1, Math.floor(cap));
  const total = lines.length + fresh.length;
  const dropped = Math.max(0, total - limit);
  let next: LogLine[];
  if (dropped === 0) {
    next = lines.concat(fresh);
  } else if (dropped >= lines.length) {
    next = fresh.slice(dropped - lines.length);
  } else {
    next = lines.slice(dropped).concat(fresh);
  }
  return { lines: next, added: fresh.length, dropped };
}

/** Whether the list follows new lines, and how many arrived since the person scrolled up. */
export interface FollowState {
  pinned: boolean;
  unseen: number;
}

export const FOLLOWING: FollowState = { pinned: true, unseen: 0 };

/** The person scrolled: at the bottom the list follows again, anywhere else it stays put. */
export function followScrolled(state: FollowState, atBottom: boolean): FollowState {
  if (atBottom) {
    return state.pinned && state.unseen === 0 ? state : FOLLOWING;
  }
  return state.pinned ? { pinned: false, unseen: 0 } : state;
}

/** Lines arrived: a following list scrolls with them; otherwise they are counted for the jump button. */
export function followAppended(state: FollowState, added: number): FollowState {
  if (state.pinned || added <= 0) {
    return state;
  }
  return { pinned: false, unseen: state.unseen + added };
}

/** The jump-to-bottom button: shown only while scrolled up. */
export function jumpLabel(state: FollowState): string | null {
  if (state.pinned) {
    return null;
  }
  return state.unseen === 0 ? "Jump to the latest" : `Jump to the latest (${formatUnseen(state.unseen)} new)`;
}

function formatUnseen(n: number): string {
  return n > 9999 ? `${Math.floor(n / 1000)}k` : String(n);
}
