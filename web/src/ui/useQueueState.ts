import { useCallback, useEffect, useState } from "preact/hooks";
import type { QueueState, WatchQueueResponse } from "../gen/devserver/queue/v1/queue_pb";
import { isPermanent, type Problem } from "../api/errors";
import type { StreamState } from "../lib/resumable";
import { zonedSnapshots } from "../lib/zonedSnapshots";
import { useApp } from "./context";

export interface QueueWatch {
  /** The latest WatchQueue snapshot (queue state, counts, "today", workers); undefined before the first. */
  snapshot: WatchQueueResponse | undefined;
  /** The snapshot's queue state (pause, concurrency, counts per status). */
  queue: QueueState | undefined;
  stream: StreamState | null;
  /** True when the orchestrator refused the time zone asked for and "today" is counted in UTC instead. */
  utcOnly: boolean;
  /** The error that ended the watch (one reconnecting cannot cure), already reported; null while it runs. */
  error: Problem | null;
  /** Shows a queue state an RPC answered with at once; the next snapshot replaces it. */
  showQueue: (queue: QueueState) => void;
}

/**
 * The queue's live picture from WatchQueue, one loop for every page that follows it. `timeZone` is the zone "today"
 * is counted in (the dashboard passes the browser's); without one it is UTC, for pages that do not show "today".
 */
export function useQueueState(timeZone = ""): QueueWatch {
  const { api, report } = useApp();
  const [snapshot, setSnapshot] = useState<WatchQueueResponse | undefined>(undefined);
  const [stream, setStream] = useState<StreamState | null>(null);
  const [utcOnly, setUtcOnly] = useState(false);
  const [error, setError] = useState<Problem | null>(null);
  useEffect(() => {
    const abort = new AbortController();
    setUtcOnly(false);
    setError(null);
    void (async () => {
      try {
        for await (const s of zonedSnapshots({
          open: (zone, signal, opened) => api.queue.watchQueue({ timeZone: zone }, { signal, onHeader: opened }),
          timeZone,
          onUtcOnly: () => setUtcOnly(true),
          signal: abort.signal,
          retryable: (err) => !isPermanent(err),
          onState: setStream,
        })) {
          setSnapshot(s);
        }
      } catch (err) {
        if (!abort.signal.aborted) {
          // A refused token sends the person to the login page; anything else shows in the stream's state, and
          // on pages that have an error banner, there.
          setError(report(err));
        }
      }
    })();
    return () => abort.abort();
  }, [api, timeZone]);
  const showQueue = useCallback((queue: QueueState) => setSnapshot((s) => (s === undefined ? s : { ...s, queue })), []);
  return { snapshot, queue: snapshot?.queue, stream, utcOnly, error, showQueue };
}
