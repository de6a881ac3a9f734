import { useEffect, useState } from "preact/hooks";
import type { QueueState } from "../gen/devserver/queue/v1/queue_pb";
import { isPermanent } from "../api/errors";
import type { StreamState } from "../lib/resumable";
import { snapshots } from "../lib/snapshots";
import { useApp } from "./context";

/**
 * The queue's live state from WatchQueue (pause, concurrency, counts per status), for pages that follow it without
 * showing "today" (the time zone is left to UTC). The dashboard watches the whole snapshot itself.
 */
export function useQueueState(): { queue: QueueState | undefined; stream: StreamState | null } {
  const { api, report } = useApp();
  const [queue, setQueue] = useState<QueueState | undefined>(undefined);
  const [stream, setStream] = useState<StreamState | null>(null);
  useEffect(() => {
    const abort = new AbortController();
    void (async () => {
      try {
        for await (const s of snapshots({
          open: (signal, opened) => api.queue.watchQueue({}, { signal, onHeader: opened }),
          signal: abort.signal,
          retryable: (err) => !isPermanent(err),
          onState: setStream,
        })) {
          setQueue(s.queue);
        }
      } catch (err) {
        if (!abort.signal.aborted) {
          // A refused token sends the person to the login page; anything else shows in the stream's state.
          report(err);
        }
      }
    })();
    return () => abort.abort();
  }, [api]);
  return { queue, stream };
}
