import { describe, expect, it } from "vitest";
import { computeWindow, isAtBottom, scrollToReveal } from "./virtual";

describe("virtual list window", () => {
  const base = { count: 10_000, rowHeight: 24, viewportHeight: 480, overscan: 5 };

  it("renders the visible rows plus overscan at the top", () => {
    expect(computeWindow({ ...base, scrollTop: 0 })).toEqual({ start: 0, end: 25, offsetTop: 0, totalHeight: 240_000 });
  });

  it("keeps a few dozen rows whatever the list length", () => {
    const w = computeWindow({ ...base, scrollTop: 120_000 });
    expect(w.start).toBe(4995);
    expect(w.end).toBe(5025);
    expect(w.offsetTop).toBe(4995 * 24);
    expect(w.end - w.start).toBeLessThanOrEqual(480 / 24 + 2 * 5 + 1);
  });

  it("partially visible rows at both edges are rendered", () => {
    const w = computeWindow({ ...base, overscan: 0, scrollTop: 30 });
    expect(w.start).toBe(1);
    expect(w.end).toBe(22);
  });

  it("clamps a scroll position past the end (the list shrank) to the last screen", () => {
    const w = computeWindow({ ...base, count: 100, scrollTop: 999_999 });
    expect(w.end).toBe(100);
    expect(w.start).toBe(100 - 20 - 5);
    expect(computeWindow({ ...base, count: 100, scrollTop: -50 }).start).toBe(0);
  });

  it("handles empty lists, lists shorter than the viewport and a zero-height viewport", () => {
    expect(computeWindow({ ...base, count: 0, scrollTop: 0 })).toEqual({ start: 0, end: 0, offsetTop: 0, totalHeight: 0 });
    expect(computeWindow({ ...base, count: 3, scrollTop: 0 })).toMatchObject({ start: 0, end: 3, totalHeight: 72 });
    expect(computeWindow({ ...base, viewportHeight: 0, overscan: 0, scrollTop: 240 })).toMatchObject({ start: 10, end: 11 });
  });

  it("knows when the viewport is at the bottom, with a little slack", () => {
    expect(isAtBottom(520, 480, 1000)).toBe(true);
    expect(isAtBottom(517, 480, 1000)).toBe(true);
    expect(isAtBottom(500, 480, 1000)).toBe(false);
  });

  it("scrolls just enough to reveal a row", () => {
    expect(scrollToReveal(10, 24, 0, 480)).toBe(0);
    expect(scrollToReveal(30, 24, 0, 480)).toBe(31 * 24 - 480);
    expect(scrollToReveal(2, 24, 240, 480)).toBe(48);
  });
});
