import { describe, expect, it } from "vitest";
import { manualClock } from "../test/manualClock";
import { createDebouncer } from "./debounce";


describe("debouncer", () => {
  it("runs once after a burst has gone quiet", () => {
    const { clock, advance } = manualClock();
    let runs = 0;
    const d = createDebouncer(() => runs++, 500, 5000, clock);
    d.trigger();
    advance(200);
    d.trigger();
    advance(200);
    d.trigger();
    advance(499);
    expect(runs).toBe(0);
    advance(1);
    expect(runs).toBe(1);
    advance(10_000);
    expect(runs).toBe(1);
  });

  it("still runs during an endless burst, at most max-wait after its start", () => {
    const { clock, advance } = manualClock();
    let runs = 0;
    const d = createDebouncer(() => runs++, 500, 2000, clock);
    for (let i = 0; i < 40; i++) {
      d.trigger();
      advance(100);
    }
    // 4 s of triggers every 100 ms: one run per 2 s window.
    expect(runs).toBe(2);
  });

  it("does nothing without a trigger (no polling), and nothing after dispose", () => {
    const { clock, advance, pending } = manualClock();
    let runs = 0;
    const d = createDebouncer(() => runs++, 500, 2000, clock);
    advance(60_000);
    expect(pending()).toBe(0);
    d.trigger();
    d.dispose();
    advance(10_000);
    d.trigger();
    advance(10_000);
    expect(runs).toBe(0);
  });

  it("runs a pending call at once on flush", () => {
    const { clock } = manualClock();
    let runs = 0;
    const d = createDebouncer(() => runs++, 500, 2000, clock);
    d.flush();
    expect(runs).toBe(0);
    d.trigger();
    d.flush();
    expect(runs).toBe(1);
  });
});
