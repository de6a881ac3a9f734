// A server stream of whole pictures (WatchQueue: each message replaces the previous one) that reconnects after
// any failure. Such a stream has no position to resume from: the first message after a reconnect is the full
// current state, so nothing is lost. resumable.ts needs a strictly increasing cursor to drop replays; a local
// counter gives every snapshot one, so every snapshot is delivered.
import { resumable, type ResumableOptions } from "./resumable";

export interface SnapshotOptions<T> extends Omit<ResumableOptions<T>, "open" | "cursorOf" | "after" | "endIsFinal"> {
  /** Opens the stream; call `opened` when the server has answered (Connect's `onHeader`). */
  open: (signal: AbortSignal, opened: () => void) => AsyncIterable<T>;
}

export function snapshots<T>(options: SnapshotOptions<T>): AsyncGenerator<T, void, undefined> {
  let counter = 0n;
  const { open, ...rest } = options;
  return resumable<T>({
    ...rest,
    open: (_after, signal, opened) => open(signal, opened),
    cursorOf: () => ++counter,
    after: 0n,
    // A live picture never ends on purpose: a closed stream (a restart, a proxy timeout) is reopened.
    endIsFinal: false,
  });
}
