import { describe, expect, it } from "vitest";
import { createSignal } from "./signal";

describe("signal", () => {
  it("tells subscribers about changes until they unsubscribe", () => {
    const s = createSignal<boolean | undefined>(undefined);
    const seen: Array<boolean | undefined> = [];
    const off = s.subscribe((v) => seen.push(v));
    s.set(true);
    s.set(true);
    s.set(false);
    off();
    s.set(true);
    expect(seen).toEqual([true, false]);
    expect(s.get()).toBe(true);
  });
});
