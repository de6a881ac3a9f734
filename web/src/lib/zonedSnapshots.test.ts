import { Code, ConnectError } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { isPermanent } from "../api/errors";
import type { StreamState } from "./resumable";
import { plannedQueue } from "../test/queueDouble";
import { zonedSnapshots } from "./zonedSnapshots";

/** WatchQueue refuses the zones in `unknownZones`, then follows `perCall[i]` on call i and stays open unless it fails. */
function fakeQueue(unknownZones: string[], perCall: Array<{ queued: number[]; error?: ConnectError }>) {
  return plannedQueue(
    perCall.map((plan) => ({ ...plan, stayOpen: plan.error === undefined })),
    unknownZones,
  );
}

/** Follows the watch until `want` snapshots arrived, then stops it, as a page does when it closes. */
async function watch(client: ReturnType<typeof fakeQueue>["client"], timeZone: string, want: number) {
  const abort = new AbortController();
  const seen: number[] = [];
  const states: StreamState[] = [];
  let utcOnly = 0;
  for await (const r of zonedSnapshots({
    open: (zone, signal, opened) => client.watchQueue({ timeZone: zone }, { signal, onHeader: opened }),
    timeZone,
    onUtcOnly: () => utcOnly++,
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
  return { seen, states, utcOnly };
}

describe("WatchQueue in the browser's time zone", () => {
  it("asks in the browser's zone and stays there while the orchestrator knows it, through reconnects", async () => {
    const { client, zones } = fakeQueue([], [{ queued: [1], error: new ConnectError("reset", Code.Unavailable) }, { queued: [2, 3] }]);
    const { seen, utcOnly } = await watch(client, "Europe/Berlin", 3);
    expect(seen).toEqual([1, 2, 3]);
    expect(zones).toEqual(["Europe/Berlin", "Europe/Berlin"]);
    expect(utcOnly).toBe(0);
  });

  it("goes on in UTC, once told, when the orchestrator refuses the zone, and keeps UTC for later reconnects", async () => {
    const { client, zones } = fakeQueue(["Mars/Olympus"], [{ queued: [4], error: new ConnectError("reset", Code.Unavailable) }, { queued: [5] }]);
    const { seen, states, utcOnly } = await watch(client, "Mars/Olympus", 2);
    expect(seen).toEqual([4, 5]);
    expect(zones).toEqual(["Mars/Olympus", "", ""]);
    expect(utcOnly).toBe(1);
    expect(states.at(-1)?.kind).toBe("live");
  });

  it("reports a refusal of UTC itself instead of asking again forever", async () => {
    const { client, zones } = fakeQueue([""], []);
    await expect(watch(client, "", 1)).rejects.toMatchObject({ code: Code.InvalidArgument });
    expect(zones).toEqual([""]);
  });

  it("throws an error that neither reconnecting nor UTC can cure (a refused token), in any zone", async () => {
    const { client, zones } = fakeQueue([], [{ queued: [1], error: new ConnectError("bad token", Code.Unauthenticated) }]);
    await expect(watch(client, "Europe/Berlin", 5)).rejects.toMatchObject({ code: Code.Unauthenticated });
    expect(zones).toEqual(["Europe/Berlin"]);
  });

  it("ends quietly when the page stops it, without asking again", async () => {
    const { client, zones } = fakeQueue([], [{ queued: [7] }]);
    const { seen, utcOnly } = await watch(client, "Europe/Berlin", 1);
    expect(seen).toEqual([7]);
    expect(zones).toEqual(["Europe/Berlin"]);
    expect(utcOnly).toBe(0);
  });
});
