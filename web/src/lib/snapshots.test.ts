import { Code, ConnectError, createClient, createRouterTransport } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { QueueService, type WatchQueueRequest } from "../gen/devserver/queue/v1/queue_pb";
import { isPermanent } from "../api/errors";
import type { StreamState } from "./resumable";
import { snapshots } from "./snapshots";

/** An in-memory QueueService whose WatchQueue sends `perCall[i]` snapshots on call i, then fails or stays open. */
function fakeQueue(perCall: Array<{ queued: number[]; error?: ConnectError; stayOpen?: boolean }>) {
  const zones: string[] = [];
  let call = 0;
  const transport = createRouterTransport(({ service }) => {
    service(QueueService, {
      async *watchQueue(req: WatchQueueRequest) {
        zones.push(req.timeZone);
        const plan = perCall[call++] ?? { queued: [], stayOpen: true };
        for (const queued of plan.queued) {
          yield { queue: { queued, maxConcurrency: 2 }, workers: [{ id: `w${queued}` }] };
        }
        if (plan.error !== undefined) {
          throw plan.error;
        }
        if (plan.stayOpen === true) {
          await new Promise(() => {});
        }
      },
      async getQueue() {
        return {};
      },
      async updateQueue() {
        return {};
      },
      async listWorkers() {
        return {};
      },
    });
  });
  return { client: createClient(QueueService, transport), zones };
}

async function watch(client: ReturnType<typeof fakeQueue>["client"], want: number, states: StreamState[] = []) {
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
    const { client, zones } = fakeQueue([
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
    const { client, zones } = fakeQueue([{ queued: [1], error: new ConnectError("bad token", Code.Unauthenticated) }]);
    const states: StreamState[] = [];
    await expect(watch(client, 5, states)).rejects.toMatchObject({ code: Code.Unauthenticated });
    expect(zones).toHaveLength(1);
    expect(states.at(-1)?.kind).toBe("failed");
  });
});
