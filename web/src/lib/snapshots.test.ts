import { Code, ConnectError } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { isPermanent } from "../api/errors";
import type { StreamState } from "./resumable";
import { plannedQueue } from "../test/queueDouble";
import { snapshots } from "./snapshots";

async function watch(client: ReturnType<typeof plannedQueue>["client"], want: number, states: StreamState[] = []) {
  const abort = new AbortController();
  const seen: number[] = [];
  for await (const r of snapshots({
    open: (signal, opened) => client.watchQueue({ timeZone: "Europe/Berlin" }, { signal, onHeader: opened }),
    signal: abort.signal,
    retryable: (e) => !isPermanent(e),
    sleep: async () => {},
    onState: (s) => states.push(s),
  })) {
    seen.push(r.queue?.queued ?? -1);
    if (seen.length === want) {
      abort.abort();
    }
  }
  return seen;
}

describe("WatchQueue snapshots", () => {
  it("delivers every snapshot, including the fresh one after a reconnect, with the time zone", async () => {
    const { client, zones } = plannedQueue([
      { queued: [3, 4], error: new ConnectError("reset", Code.Unavailable) },
      // The server closing the stream normally (a restart) is reconnected too.
      { queued: [4] },
      { queued: [5, 5], stayOpen: true },
    ]);
    const states: StreamState[] = [];
    // Equal snapshots are delivered as well: each replaces the picture, and heartbeat times move.
    expect(await watch(client, 5, states)).toEqual([3, 4, 4, 5, 5]);
    expect(zones).toEqual(["Europe/Berlin", "Europe/Berlin", "Europe/Berlin"]);
    expect(states.filter((s) => s.kind === "reconnecting")).toHaveLength(2);
  });

  it("stops on an error reconnecting cannot cure (a refused token)", async () => {
    const { client, zones } = plannedQueue([{ queued: [1], error: new ConnectError("bad token", Code.Unauthenticated) }]);
    const states: StreamState[] = [];
    await expect(watch(client, 5, states)).rejects.toMatchObject({ code: Code.Unauthenticated });
    expect(zones).toHaveLength(1);
    expect(states.at(-1)?.kind).toBe("failed");
  });
});
