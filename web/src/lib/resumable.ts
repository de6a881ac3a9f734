// A server stream that survives disconnects: it reopens after the last cursor it delivered, so the consumer
// sees every item once, in order, with no gaps and no duplicates (the server replays stored events after the
// cursor; anything at or below it is dropped here in case a reconnect overlaps).

export type StreamState =
  | { kind: "connecting"; attempt: number }
  | { kind: "live" }
  | { kind: "reconnecting"; attempt: number; delayMs: number; error: unknown }
  | { kind: "ended" }
  | { kind: "failed"; error: unknown };

export interface ResumableOptions<T> {
  /**
   * Opens the stream for items after `after`. Call `opened` when the server has answered (Connect's `onHeader`):
   * a live stream may stay quiet for a long time, and the view should say it is live before the first item. The
   * first message counts as an answer too.
   */
  open: (after: bigint, signal: AbortSignal, opened: () => void) => AsyncIterable<T>;
  /** The item's position in the stream (sequence or global position); strictly increasing. */
  cursorOf: (item: T) => bigint;
  /**
   * True for the server's "caught up" message (requested with announce_caught_up): it carries no item, only says the
   * history is sent and the stream is live. It is not yielded and does not move the cursor. Firefox surfaces the
   * response headers only with the first message, so on a quiet stream this message is what tells it the stream is live.
   */
  caughtUp?: (item: T) => boolean;
  /** Start after this cursor (0n: from the beginning). */
  after: bigint;
  signal: AbortSignal;
  /** False when an error cannot be cured by reconnecting (bad token, unknown task). Default: always retry. */
  retryable?: (error: unknown) => boolean;
  /** True when a stream that ends normally is finished (until_finished); false reconnects. Default true. */
  endIsFinal?: boolean;
  /** Delay before reconnect number `attempt` (1, 2, ...). */
  backoffMs?: (attempt: number) => number;
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  onState?: (state: StreamState) => void;
}

export function defaultBackoffMs(attempt: number): number {
  return Math.min(250 * 2 ** (attempt - 1), 10_000);
}

export function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) {
      resolve();
      return;
    }
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
  });
}

/** Yields the items of a stream that is reopened after each failure, resuming after the last cursor. */
export async function* resumable<T>(options: ResumableOptions<T>): AsyncGenerator<T, void, undefined> {
  const {
    open,
    cursorOf,
    caughtUp = () => false,
    signal,
    retryable = () => true,
    endIsFinal = true,
    backoffMs = defaultBackoffMs,
    sleep = abortableSleep,
    onState = () => {},
  } = options;
  let cursor = options.after;
  // Failures since the last item arrived: a stream that delivers resets the back-off.
  let failures = 0;
  while (!signal.aborted) {
    onState({ kind: "connecting", attempt: failures + 1 });
    let announcedLive = false;
    const opened = () => {
      if (!announcedLive && !signal.aborted) {
        announcedLive = true;
        onState({ kind: "live" });
      }
    };
    try {
      for await (const item of open(cursor, signal, opened)) {
        opened();
        if (caughtUp(item)) {
          continue;
        }
        const at = cursorOf(item);
        if (at <= cursor) {
          continue;
        }
        cursor = at;
        failures = 0;
        yield item;
      }
      if (signal.aborted) {
        return;
      }
      if (endIsFinal) {
        onState({ kind: "ended" });
        return;
      }
    } catch (error) {
      if (signal.aborted) {
        return;
      }
      if (!retryable(error)) {
        onState({ kind: "failed", error });
        throw error;
      }
      failures++;
      const delayMs = backoffMs(failures);
      onState({ kind: "reconnecting", attempt: failures, delayMs, error });
      await sleep(delayMs, signal);
      continue;
    }
    // A normal end that is not final (the server closed a live stream): reopen after a short pause.
    failures++;
    const delayMs = backoffMs(failures);
    onState({ kind: "reconnecting", attempt: failures, delayMs, error: undefined });
    await sleep(delayMs, signal);
  }
}
