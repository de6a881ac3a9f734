import { Code, ConnectError, createClient, createRouterTransport } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { LogLevel, LogService, type WatchLogsRequest } from "../gen/devserver/logs/v1/logs_pb";
import { isPermanent } from "../api/errors";
import { resumable } from "../lib/resumable";
import { logEntry } from "../test/dashFixtures";
import {
  appendLines,
  DEFAULT_FILTER,
  FOLLOWING,
  followAppended,
  followScrolled,
  jumpLabel,
  matchesFilter,
  severity,
  toLogLine,
  watchRequest,
  type LogLine,
} from "./logs";

const lines = (from: number, to: number): LogLine[] => Array.from({ length: to - from + 1 }, (_, i) => toLogLine(logEntry(from + i)));
const positions = (ls: readonly LogLine[]) => ls.map((l) => Number(l.position));

describe("log line model", () => {
  it("shows time, level, source, short category and the first line of the message", () => {
    const line = toLogLine(
      logEntry(7, { level: LogLevel.WARNING, source: "worker w-1", category: "DevServer.Sidecar.Runner", message: "agent slow\nsecond line", exception: "" }),
    );
    expect(line).toMatchObject({ position: 7n, levelName: "warning", severity: "warning", source: "worker w-1", shortCategory: "Runner", summary: "agent slow", hasMore: true });
    expect(line.time).toMatch(/^\d\d:\d\d:\d\d\.007$/);
    expect(toLogLine(logEntry(8, { exception: "System.Exception: boom" })).hasMore).toBe(true);
    expect(toLogLine(logEntry(9)).hasMore).toBe(false);
  });

  it("gives every level its own severity colour", () => {
    expect([LogLevel.TRACE, LogLevel.DEBUG, LogLevel.INFORMATION, LogLevel.WARNING, LogLevel.ERROR, LogLevel.CRITICAL, LogLevel.UNSPECIFIED].map(severity)).toEqual([
      "trace",
      "debug",
      "info",
      "warning",
      "error",
      "critical",
      "info",
    ]);
  });
});

describe("log filters", () => {
  it("asks the server for the tail first, then after the last position, with level and source", () => {
    expect(watchRequest(DEFAULT_FILTER, 0n)).toEqual({ afterPosition: 0n, tail: 1000, minLevel: LogLevel.INFORMATION, sourcePrefix: "", announceCaughtUp: true });
    expect(watchRequest({ minLevel: LogLevel.ERROR, source: "workers" }, 812n)).toEqual({ afterPosition: 812n, tail: 0, minLevel: LogLevel.ERROR, sourcePrefix: "worker ", announceCaughtUp: true });
    expect(watchRequest({ minLevel: LogLevel.UNSPECIFIED, source: "orchestrator" }, 0n, 99_999)).toMatchObject({ tail: 5000, minLevel: LogLevel.INFORMATION, sourcePrefix: "orchestrator " });
  });

  it("drops on the client what the filter excludes", () => {
    const warnWorker = toLogLine(logEntry(1, { level: LogLevel.WARNING, source: "worker w1" }));
    const debugOrch = toLogLine(logEntry(2, { level: LogLevel.DEBUG, source: "orchestrator a" }));
    expect(matchesFilter(warnWorker, DEFAULT_FILTER)).toBe(true);
    expect(matchesFilter(debugOrch, DEFAULT_FILTER)).toBe(false);
    expect(matchesFilter(debugOrch, { minLevel: LogLevel.TRACE, source: "orchestrator" })).toBe(true);
    expect(matchesFilter(warnWorker, { minLevel: LogLevel.TRACE, source: "orchestrator" })).toBe(false);
    expect(matchesFilter(warnWorker, { minLevel: LogLevel.ERROR, source: "workers" })).toBe(false);
  });
});

describe("kept lines", () => {
  it("appends new lines and drops replays at or before the last kept position", () => {
    const first = appendLines([], lines(1, 5));
    expect(first).toMatchObject({ added: 5, dropped: 0 });
    const overlap = appendLines(first.lines, lines(3, 8));
    expect(positions(overlap.lines)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(overlap.added).toBe(3);
    const none = appendLines(overlap.lines, lines(2, 8));
    expect(none.added).toBe(0);
    expect(none.lines).toBe(overlap.lines);
  });

  it("keeps at most the cap, dropping the oldest", () => {
    const a = appendLines(lines(1, 8), lines(9, 12), 10);
    expect(positions(a.lines)).toEqual([3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    expect(a.dropped).toBe(2);
    const b = appendLines(a.lines, lines(13, 40), 10);
    expect(positions(b.lines)).toEqual([31, 32, 33, 34, 35, 36, 37, 38, 39, 40]);
    expect(b).toMatchObject({ added: 28, dropped: 28 });
  });

  it("holds 50 000 lines and keeps appending cheaply at the cap", () => {
    let kept: LogLine[] = [];
    const started = performance.now();
    for (let batch = 0; batch < 60; batch++) {
      kept = appendLines(kept, lines(batch * 1000 + 1, batch * 1000 + 1000)).lines;
    }
    expect(kept.length).toBe(50_000);
    expect(Number(kept[0]?.position)).toBe(10_001);
    expect(Number(kept.at(-1)?.position)).toBe(60_000);
    expect(performance.now() - started).toBeLessThan(5000);
  });
});

describe("auto-scroll", () => {
  it("follows while at the bottom and counts what arrives while scrolled up", () => {
    let s = FOLLOWING;
    expect(followAppended(s, 10)).toBe(s);
    expect(jumpLabel(s)).toBeNull();
    s = followScrolled(s, false);
    expect(s).toEqual({ pinned: false, unseen: 0 });
    expect(jumpLabel(s)).toBe("Jump to the latest");
    s = followAppended(s, 3);
    s = followAppended(s, 4);
    expect(jumpLabel(s)).toBe("Jump to the latest (7 new)");
    expect(followScrolled(s, false)).toBe(s);
    expect(followScrolled(s, true)).toEqual(FOLLOWING);
    expect(jumpLabel(followAppended({ pinned: false, unseen: 0 }, 25_000))).toBe("Jump to the latest (25k new)");
  });
});

describe("live tail over WatchLogs", () => {
  /** An in-memory LogService: entries 1..total, batches of 3, failing or replaying as each call's plan says. */
  function fakeLogs(total: number, plans: Array<{ failAfterBatches?: number; replayFrom?: number }>) {
    const requests: Array<{ after: bigint; tail: number; min: LogLevel; prefix: string }> = [];
    let call = 0;
    const transport = createRouterTransport(({ service }) => {
      service(LogService, {
        async *watchLogs(req: WatchLogsRequest) {
          requests.push({ after: req.afterPosition, tail: req.tail, min: req.minLevel, prefix: req.sourcePrefix });
          const plan = plans[call++] ?? {};
          let from = plan.replayFrom ?? (req.afterPosition === 0n ? Math.max(1, total - req.tail + 1) : Number(req.afterPosition) + 1);
          let batches = 0;
          while (from <= total) {
            if (plan.failAfterBatches !== undefined && batches === plan.failAfterBatches) {
              throw new ConnectError("connection reset", Code.Unavailable);
            }
            const to = Math.min(total, from + 2);
            yield { entries: Array.from({ length: to - from + 1 }, (_, i) => logEntry(from + i)) };
            from = to + 1;
            batches++;
          }
          await new Promise(() => {});
        },
      });
    });
    return { client: createClient(LogService, transport), requests };
  }

  async function tail(client: ReturnType<typeof fakeLogs>["client"], want: number) {
    const abort = new AbortController();
    let kept: LogLine[] = [];
    for await (const r of resumable({
      open: (after, signal, opened) => client.watchLogs(watchRequest({ minLevel: LogLevel.WARNING, source: "workers" }, after, 10), { signal, onHeader: opened }),
      cursorOf: (r) => r.entries.at(-1)?.position ?? 0n,
      after: 0n,
      signal: abort.signal,
      endIsFinal: false,
      retryable: (e) => !isPermanent(e),
      sleep: async () => {},
    })) {
      kept = appendLines(kept, r.entries.map(toLogLine)).lines;
      if (kept.length >= want) {
        abort.abort();
      }
    }
    return kept;
  }

  it("starts with the tail and resumes after the last position with no gap and no duplicate", async () => {
    const { client, requests } = fakeLogs(30, [{ failAfterBatches: 2 }, { failAfterBatches: 1 }, {}]);
    const kept = await tail(client, 10);
    expect(positions(kept)).toEqual([21, 22, 23, 24, 25, 26, 27, 28, 29, 30]);
    expect(requests.map((r) => r.after)).toEqual([0n, 26n, 29n]);
    expect(requests[0]).toMatchObject({ tail: 10, min: LogLevel.WARNING, prefix: "worker " });
    expect(requests[1]).toMatchObject({ tail: 0, min: LogLevel.WARNING, prefix: "worker " });
  });

  it("drops entries a reconnect replays", async () => {
    const { client } = fakeLogs(30, [{ failAfterBatches: 2 }, { replayFrom: 24 }]);
    const kept = await tail(client, 10);
    expect(positions(kept)).toEqual([21, 22, 23, 24, 25, 26, 27, 28, 29, 30]);
  });
});
