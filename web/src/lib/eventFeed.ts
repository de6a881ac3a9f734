// One global task-event stream per browser tab, shared by everything that needs it (the dashboard's live parts,
// the desktop notifier). The dashboard is served over HTTP/1.1, where a browser keeps at most six connections per
// origin across all its tabs and every open server stream holds one: a stream per component would starve the
// plain calls as soon as two or three tabs are open.

import type { TaskEvent } from "../gen/devserver/events/v1/events_pb";
import { resumable, type StreamState } from "./resumable";

export interface EventFeedListener {
  /** Every event after the moment the feed went live, once, in order (reconnects resume without gaps). */
  onEvent?: (event: TaskEvent) => void;
  /** The shared stream's state; a new listener gets the current state at once. */
  onState?: (state: StreamState) => void;
  /** A permanent failure (a refused token, say); the feed stops until everyone unsubscribes. */
  onError?: (error: unknown) => void;
}

export interface EventFeed {
  /** Starts the stream for the first listener; the returned function unsubscribes and stops it after the last. */
  subscribe(listener: EventFeedListener): () => void;
}

export interface EventFeedOptions {
  /** Opens WatchEvents after a global position (-1n: only new events), asking for the caught-up message. */
  open: (after: bigint, signal: AbortSignal, opened: () => void) => AsyncIterable<{ event?: TaskEvent; caughtUp?: boolean }>;
  retryable: (error: unknown) => boolean;
  /** For tests: the back-off sleep. */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

export function createEventFeed(options: EventFeedOptions): EventFeed {
  const listeners = new Set<EventFeedListener>();
  let abort: AbortController | null = null;
  let state: StreamState = { kind: "connecting", attempt: 1 };

  function start() {
    const running = new AbortController();
    abort = running;
    state = { kind: "connecting", attempt: 1 };
    void (async () => {
      try {
        for await (const response of resumable({
          open: options.open,
          cursorOf: (r) => r.event?.position ?? 0n,
          caughtUp: (r) => r.caughtUp === true,
          after: -1n,
          signal: running.signal,
          endIsFinal: false,
          retryable: options.retryable,
          sleep: options.sleep,
          onState: (s) => {
            state = s;
            for (const l of [...listeners]) {
              l.onState?.(s);
            }
          },
        })) {
          if (response.event === undefined) {
            continue;
          }
          for (const l of [...listeners]) {
            l.onEvent?.(response.event);
          }
        }
      } catch (error) {
        if (!running.signal.aborted) {
          for (const l of [...listeners]) {
            l.onError?.(error);
          }
        }
      }
    })();
  }

  return {
    subscribe(listener) {
      listeners.add(listener);
      if (abort === null) {
        start();
      } else {
        listener.onState?.(state);
      }
      return () => {
        if (!listeners.delete(listener) || listeners.size > 0) {
          return;
        }
        abort?.abort();
        abort = null;
      };
    },
  };
}
