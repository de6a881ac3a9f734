import { Code, ConnectError, createClient, createRouterTransport } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { EventService, type WatchTaskEventsRequest } from "../gen/devserver/events/v1/events_pb";
import { isPermanent } from "../api/errors";
import { event } from "../test/fixtures";
import { resumable, type StreamState } from "./resumable";

const noSleep = async () => {};

/**
 * An in-memory EventService (Connect's router transport: the real client, serialisation and error paths, no
 * network). Each call's plan says how many events it sends before it fails (or ends).
 */
function fakeEvents(total: number, plans: Array<{ failAfter?: number; error?: ConnectError; ignoreAfter?: boolean; end?: boolean }>) {
  const requests: bigint[] = [];
  let call = 0;
  const transport = createRouterTransport(({ service }) => {
    service(EventService, {
      async *watchTaskEvents(req: WatchTaskEventsRequest) {
        requests.push(req.afterSequence);
        const plan = plans[call++] ?? {};
        // A server that ignores after_sequence replays everything: the client must still drop duplicates.
        const from = plan.ignoreAfter === true ? 1 : Number(req.afterSequence) + 1;
        let sent = 0;
        for (let s = from; s <= total; s++) {
          if (plan.failAfter !== undefined && sent === plan.failAfter) {
            throw plan.error ?? new ConnectError("connection reset", Code.Unavailable);
          }
          yield { event: event(s) };
          sent++;
        }
        if (plan.end !== true) {
          // A live stream stays open; the test aborts it once it has what it expects.
          await new Promise(() => {});
        }
      },
      async *watchEvents() {},
      async listTaskEvents() {
        return {};
      },
    });
  });
  return { client: createClient(EventService, transport), requests };
}

async function collect(
  client: ReturnType<typeof fakeEvents>["client"],
  want: number,
  extra: { endIsFinal?: boolean; states?: StreamState[]; after?: bigint } = {},
): Promise<bigint[]> {
  const abort = new AbortController();
  const seen: bigint[] = [];
  for await (const r of resumable({
    open: (after, signal, opened) => client.watchTaskEvents({ taskId: 7n, afterSequence: after }, { signal, onHeader: opened }),
    cursorOf: (r) => r.event?.sequence ?? 0n,
    after: extra.after ?? 0n,
    signal: abort.signal,
    endIsFinal: extra.endIsFinal ?? false,
    retryable: (e) => !isPermanent(e),
    sleep: noSleep,
    onState: (s) => extra.states?.push(s),
  })) {
    seen.push(r.event?.sequence ?? -1n);
    if (seen.length === want) {
      abort.abort();
    }
  }
  return seen;
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => BigInt(from + i));

describe("resumable task event stream", () => {
  it("resumes after the last delivered sequence when the stream breaks", async () => {
    const { client, requests } = fakeEvents(10, [{ failAfter: 3 }, { failAfter: 4 }, {}]);
    const seen = await collect(client, 10);
    expect(seen).toEqual(range(1, 10));
    expect(requests).toEqual([0n, 3n, 7n]);
  });

  it("drops replayed events, so an overlapping reconnect gives no duplicates", async () => {
    const { client, requests } = fakeEvents(6, [{ failAfter: 4 }, { ignoreAfter: true }]);
    const seen = await collect(client, 6);
    expect(seen).toEqual(range(1, 6));
    expect(requests).toEqual([0n, 4n]);
  });

  it("starts after the sequence it is given", async () => {
    const { client, requests } = fakeEvents(5, [{}]);
    expect(await collect(client, 2, { after: 3n })).toEqual([4n, 5n]);
    expect(requests).toEqual([3n]);
  });

  it("reconnects when a live stream ends normally, and stops when the end is final", async () => {
    const live = fakeEvents(4, [{ failAfter: undefined, end: true }, {}]);
    // The first call ends after all 4 events; the reconnect asks for more after 4 and waits: abort at 4 items.
    expect(await collect(live.client, 4)).toEqual(range(1, 4));

    const final = fakeEvents(3, [{ end: true }]);
    const states: StreamState[] = [];
    expect(await collect(final.client, 99, { endIsFinal: true, states })).toEqual(range(1, 3));
    expect(final.requests).toEqual([0n]);
    expect(states.at(-1)).toEqual({ kind: "ended" });
  });

  it("does not retry an error that reconnecting cannot cure", async () => {
    const { client, requests } = fakeEvents(5, [{ failAfter: 0, error: new ConnectError("task 7 not found", Code.NotFound) }]);
    const states: StreamState[] = [];
    await expect(collect(client, 5, { states })).rejects.toMatchObject({ code: Code.NotFound });
    expect(requests).toEqual([0n]);
    expect(states.at(-1)?.kind).toBe("failed");
  });

  it("backs off longer after each failure in a row and resets once events flow", async () => {
    const { client } = fakeEvents(3, [{ failAfter: 0 }, { failAfter: 0 }, { failAfter: 1 }, { failAfter: 0 }, {}]);
    const delays: number[] = [];
    const abort = new AbortController();
    const seen: bigint[] = [];
    for await (const r of resumable({
      open: (after, signal) => client.watchTaskEvents({ taskId: 7n, afterSequence: after }, { signal }),
      cursorOf: (r) => r.event?.sequence ?? 0n,
      after: 0n,
      signal: abort.signal,
      endIsFinal: false,
      sleep: noSleep,
      backoffMs: (n) => n * 100,
      onState: (s) => {
        if (s.kind === "reconnecting") {
          delays.push(s.delayMs);
        }
      },
    })) {
      seen.push(r.event?.sequence ?? -1n);
      if (seen.length === 3) {
        abort.abort();
      }
    }
    expect(seen).toEqual(range(1, 3));
    // Two failures in a row (100, 200); the third call delivers event 1 before failing, so counting starts over.
    expect(delays).toEqual([100, 200, 100, 200]);
  });

  it("says it is live as soon as the server answers, before any event arrives", async () => {
    const abort = new AbortController();
    const states: StreamState[] = [];
    for await (const _ of resumable<number>({
      // A server that answers (headers) and then stays quiet: Connect's onHeader is what calls opened.
      open: (_after, signal, opened) => ({
        async *[Symbol.asyncIterator]() {
          const closed = new Promise((resolve) => signal.addEventListener("abort", resolve));
          opened();
          await closed;
        },
      }),
      cursorOf: (n) => BigInt(n),
      after: 0n,
      signal: abort.signal,
      onState: (s) => {
        states.push(s);
        if (s.kind === "live") {
          abort.abort();
        }
      },
    })) {
      throw new Error("no item was sent");
    }
    expect(states.map((s) => s.kind)).toEqual(["connecting", "live"]);
  });

  it("takes the caught-up message as the answer (Firefox: no headers before a message), without yielding it or moving the cursor", async () => {
    const abort = new AbortController();
    const states: string[] = [];
    const opens: bigint[] = [];
    const seen: Array<number | "caught up"> = [];
    let call = 0;
    for await (const item of resumable<number | "caught up">({
      // Never calls opened: the first call sends only the caught-up message, then breaks; the second sends an item.
      open: (after, signal) => {
        opens.push(after);
        const first = call++ === 0;
        return {
          async *[Symbol.asyncIterator]() {
            yield "caught up" as const;
            if (first) {
              throw new ConnectError("connection reset", Code.Unavailable);
            }
            yield 5;
            if (!signal.aborted) {
              await new Promise((resolve) => signal.addEventListener("abort", resolve));
            }
          },
        };
      },
      cursorOf: (n) => (n === "caught up" ? 0n : BigInt(n)),
      caughtUp: (n) => n === "caught up",
      after: -1n,
      signal: abort.signal,
      sleep: noSleep,
      endIsFinal: false,
      onState: (s) => states.push(s.kind),
    })) {
      seen.push(item);
      abort.abort();
    }
    expect(seen).toEqual([5]);
    // The reconnect resumes from where it started (-1: only new), not from the marker's 0 (which would replay all).
    expect(opens).toEqual([-1n, -1n]);
    expect(states).toEqual(["connecting", "live", "reconnecting", "connecting", "live"]);
  });

  it("stops quietly when aborted while waiting to reconnect", async () => {
    const abort = new AbortController();
    const states: StreamState[] = [];
    const items: unknown[] = [];
    for await (const item of resumable<number>({
      open: () => ({
        [Symbol.asyncIterator]: () => ({ next: () => Promise.reject(new ConnectError("down", Code.Unavailable)) }),
      }),
      cursorOf: (n) => BigInt(n),
      after: 0n,
      signal: abort.signal,
      sleep: async () => abort.abort(),
      onState: (s) => states.push(s),
    })) {
      items.push(item);
    }
    expect(items).toEqual([]);
    expect(states.map((s) => s.kind)).toEqual(["connecting", "reconnecting"]);
  });
});
