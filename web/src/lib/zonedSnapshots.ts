// The WatchQueue loop every page shares: snapshots that reconnect on their own (snapshots.ts), asked for in the
// browser's time zone so "today" starts at the person's midnight. An orchestrator that does not know that zone
// refuses it once (INVALID_ARGUMENT, an error reconnecting cannot cure); the watch then asks again in UTC rather
// than showing nothing. Any other error that reconnecting cannot cure ends the watch and is thrown to the caller.
import { isZoneRejected } from "./timezone";
import { snapshots, type SnapshotOptions } from "./snapshots";

export interface ZonedSnapshotOptions<T> extends Omit<SnapshotOptions<T>, "open"> {
  /** Opens the stream for `timeZone` ("" is UTC); call `opened` when the server has answered. */
  open: (timeZone: string, signal: AbortSignal, opened: () => void) => AsyncIterable<T>;
  /** The zone to ask for first; "" asks for UTC at once. */
  timeZone: string;
  /** Called once when the orchestrator refused `timeZone` and the watch went on in UTC. */
  onUtcOnly?: () => void;
}

export async function* zonedSnapshots<T>(options: ZonedSnapshotOptions<T>): AsyncGenerator<T, void, undefined> {
  const { open, timeZone, onUtcOnly = () => {}, ...rest } = options;
  let zone = timeZone;
  for (;;) {
    const asked = zone;
    try {
      yield* snapshots<T>({ ...rest, open: (signal, opened) => open(asked, signal, opened) });
      return;
    } catch (err) {
      if (rest.signal.aborted) {
        return;
      }
      if (!isZoneRejected(err, asked)) {
        throw err;
      }
      zone = "";
      onUtcOnly();
    }
  }
}
