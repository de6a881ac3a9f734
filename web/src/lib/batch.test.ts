import { describe, expect, it } from "vitest";
import { createBatcher } from "./batch";

function manualScheduler() {
  const queued: Array<() => void> = [];
  return {
    schedule: (run: () => void) => {
      queued.push(run);
      return () => {
        const i = queued.indexOf(run);
        if (i >= 0) {
          queued.splice(i, 1);
        }
      };
    },
    tick: () => queued.splice(0).forEach((run) => run()),
    get pending() {
      return queued.length;
    },
  };
}

describe("batcher", () => {
  it("delivers everything pushed before a frame in one batch, in order", () => {
    const s = manualScheduler();
    const batches: number[][] = [];
    const b = createBatcher<number>((items) => batches.push(items), s.schedule);
    b.push(1);
    b.push(2);
    b.push(3);
    expect(s.pending).toBe(1);
    s.tick();
    b.push(4);
    s.tick();
    expect(batches).toEqual([[1, 2, 3], [4]]);
  });

  it("flushes at once on demand and drops everything when disposed", () => {
    const s = manualScheduler();
    const batches: number[][] = [];
    const b = createBatcher<number>((items) => batches.push(items), s.schedule);
    b.push(1);
    b.flush();
    expect(batches).toEqual([[1]]);
    expect(s.pending).toBe(0);
    b.push(2);
    b.dispose();
    s.tick();
    expect(batches).toEqual([[1]]);
  });
});
