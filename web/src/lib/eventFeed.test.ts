import { Code, ConnectError } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import type { TaskEvent } from "../gen/devserver/events/v1/events_pb";
import { isPermanent } from "../api/errors";
import { event } from "../test/fixtures";
import { createEventFeed } from "./eventFeed";
import type { StreamState } from "./resumable";

/** A WatchEvents stand-in: every open is recorded; the test pushes events to the open streams. */
function fakeStream() {
  const opens: Array<{ after: bigint; signal: AbortSignal; push: (e: TaskEvent) => void; fail: (err: unknown) => void }> = [];
  const open = (after: bigint, signal: AbortSignal, opened: () => void): AsyncIterable<{ event?: TaskEvent }> => ({
    async *[Symbol.asyncIterator]() {
      const queue: TaskEvent[] = [];
      let wake: (() => void) | null = null;
      let failure: unknown = null;
      opens.push({
        after,
        signal,
        push: (e) => {
          queue.push(e);
          wake?.();
        },
        fail: (err) => {
          failure = err;
          wake?.();
        },
      });
      opened();
      signal.addEventListener("abort", () => wake?.());
      while (!signal.aborted) {
        if (failure !== null) {
          throw failure;
        }
        const next = queue.shift();
        if (next !== undefined) {
          yield { event: next };
          continue;
        }
        await new Promise<void>((resolve) => (wake = resolve));
        wake = null;
      }
    },
  });
  return { open, opens };
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

function positioned(position: number): TaskEvent {
  const e = event(position);
  e.position = BigInt(position);
  return e;
}

describe("createEventFeed", () => {
  it("opens one stream for every listener and fans each event out to all of them", async () => {
    const fake = fakeStream();
    const feed = createEventFeed({ open: fake.open, retryable: () => true });
    const a: bigint[] = [];
    const b: bigint[] = [];
    const offA = feed.subscribe({ onEvent: (e) => a.push(e.position) });
    const offB = feed.subscribe({ onEvent: (e) => b.push(e.position) });
    await tick();
    expect(fake.opens).toHaveLength(1);
    expect(fake.opens[0]!.after).toBe(-1n);
    fake.opens[0]!.push(positioned(1));
    fake.opens[0]!.push(positioned(2));
    await tick();
    expect(a).toEqual([1n, 2n]);
    expect(b).toEqual([1n, 2n]);
    offA();
    offB();
  });

  it("stops the stream after the last listener leaves and opens a new one for the next", async () => {
    const fake = fakeStream();
    const feed = createEventFeed({ open: fake.open, retryable: () => true });
    const off1 = feed.subscribe({});
    const off2 = feed.subscribe({});
    await tick();
    off1();
    expect(fake.opens[0]!.signal.aborted).toBe(false);
    off2();
    expect(fake.opens[0]!.signal.aborted).toBe(true);
    const off3 = feed.subscribe({});
    await tick();
    expect(fake.opens).toHaveLength(2);
    off3();
  });

  it("tells a late listener the current state and resumes after the last position on a reconnect", async () => {
    const fake = fakeStream();
    const feed = createEventFeed({ open: fake.open, retryable: (e) => !isPermanent(e), sleep: async () => {} });
    const seen: bigint[] = [];
    const off = feed.subscribe({ onEvent: (e) => seen.push(e.position) });
    await tick();
    fake.opens[0]!.push(positioned(5));
    await tick();
    const states: StreamState[] = [];
    const offLate = feed.subscribe({ onState: (s) => states.push(s) });
    expect(states).toEqual([{ kind: "live" }]);
    fake.opens[0]!.fail(new ConnectError("reset", Code.Unavailable));
    await tick();
    await tick();
    expect(fake.opens).toHaveLength(2);
    expect(fake.opens[1]!.after).toBe(5n);
    fake.opens[1]!.push(positioned(5));
    fake.opens[1]!.push(positioned(6));
    await tick();
    expect(seen).toEqual([5n, 6n]);
    expect(states.map((s) => s.kind)).toContain("reconnecting");
    off();
    offLate();
  });

  it("reports a permanent error to every listener", async () => {
    const fake = fakeStream();
    const feed = createEventFeed({ open: fake.open, retryable: (e) => !isPermanent(e) });
    const errors: unknown[] = [];
    const off = feed.subscribe({ onError: (e) => errors.push(e) });
    await tick();
    fake.opens[0]!.fail(new ConnectError("bad token", Code.Unauthenticated));
    await tick();
    await tick();
    expect(errors).toHaveLength(1);
    off();
  });
});
