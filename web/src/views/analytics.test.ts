import { describe, expect, it } from "vitest";
import { TaskStatus } from "../gen/devserver/tasks/v1/tasks_pb";
import { analytics, statusChanged } from "../test/dashFixtures";
import { event } from "../test/fixtures";
import { dayLabel, durationUnit, formatRate, parsePeriod, periodLabel, taskFinished, toCharts, toSummaryFigures } from "./analytics";

describe("analytics period", () => {
  it("accepts only the offered periods and falls back to 30 days", () => {
    expect(parsePeriod("7")).toBe(7);
    expect(parsePeriod(90)).toBe(90);
    expect(parsePeriod("30")).toBe(30);
    expect(parsePeriod("15")).toBe(30);
    expect(parsePeriod(null)).toBe(30);
    expect(parsePeriod("")).toBe(30);
    expect(parsePeriod("7days")).toBe(30);
    expect(periodLabel(7)).toBe("last 7 days");
  });
});

describe("analytics summary", () => {
  it("shows completed, failed, success rate, cost, agent time and turns", () => {
    const r = analytics(
      [
        { date: "2026-11-20", completed: 3, failed: 1, avgMs: 60_000, turns: 10 },
        { date: "2026-11-21", completed: 2, avgMs: 30_000, turns: 5 },
      ],
      [{ vendor: "claude", daily: [1.5, 0.25] }],
    );
    expect(toSummaryFigures(r).map((f) => [f.label, f.value])).toEqual([
      ["Completed", "5"],
      ["Failed", "1"],
      ["Success rate", "83.3 %"],
      ["Total cost", "$1.75"],
      ["Agent time", "1 min 30 s"],
      ["Total turns", "15"],
    ]);
  });

  it("says there is no rate when nothing finished, rather than 0 %", () => {
    expect(formatRate(0, 0)).toBe("—");
    expect(formatRate(1, 4)).toBe("100 %");
    const figures = toSummaryFigures(analytics([{ date: "2026-11-21" }]));
    expect(figures[2]).toMatchObject({ value: "—", hint: "nothing finished" });
    expect(figures[3]?.value).toBe("$0.00");
  });
});

describe("analytics → chart datasets", () => {
  const r = analytics(
    [
      { date: "2026-11-19", completed: 1, avgMs: 180_000, turns: 12.345 },
      { date: "2026-11-20" },
      { date: "2026-11-21", failed: 1, avgMs: 90_000, turns: 4 },
    ],
    [
      { vendor: "claude", daily: [2, 0, 1] },
      { vendor: "gemini", daily: [0.5] },
    ],
  );

  it("labels each day and keeps days without activity as zeros", () => {
    const c = toCharts(r);
    expect(c.labels).toEqual(["19 Nov", "20 Nov", "21 Nov"]);
    expect(c.turns.data).toEqual([12.3, 0, 4]);
    expect(c.empty).toBe(false);
  });

  it("picks a duration unit that keeps the bars readable", () => {
    const c = toCharts(r);
    expect(c.durationUnit.label).toBe("min");
    expect(c.duration.data).toEqual([3, 0, 1.5]);
    expect(c.duration.label).toBe("average agent time per task (min)");
    expect(durationUnit(59).label).toBe("s");
    expect(durationUnit(3 * 3600).label).toBe("h");
  });

  it("draws one cost line per vendor aligned with the days, and the vendors' shares", () => {
    const c = toCharts(r);
    expect(c.vendorCost.map((s) => [s.label, s.data])).toEqual([
      ["claude", [2, 0, 1]],
      // A short daily list is padded so every line spans the period.
      ["gemini", [0.5, 0, 0]],
    ]);
    expect(c.vendorCost[0]?.color).not.toBe(c.vendorCost[1]?.color);
    expect(c.share).toEqual({ labels: ["claude", "gemini"], data: [3, 0.5], colors: [c.vendorCost[0]?.color, c.vendorCost[1]?.color] });
  });

  it("reports an empty period so the view shows words instead of flat lines", () => {
    const c = toCharts(analytics([{ date: "2026-11-20" }, { date: "2026-11-21" }]));
    expect(c.empty).toBe(true);
    expect(toCharts(undefined)).toMatchObject({ labels: [], empty: true, vendorCost: [] });
  });

  it("leaves an odd date as it came", () => {
    expect(dayLabel("2026-13-01")).toBe("2026-13-01");
    expect(dayLabel("yesterday")).toBe("yesterday");
  });
});

describe("a task finishing", () => {
  it("is a status change into done, failed or blocked", () => {
    expect(taskFinished(statusChanged(4n, TaskStatus.DELIVERING, TaskStatus.DONE, "merged"))).toEqual({ taskId: 4n, status: TaskStatus.DONE, reason: "merged" });
    expect(taskFinished(statusChanged(4n, TaskStatus.VERIFYING, TaskStatus.FAILED))?.status).toBe(TaskStatus.FAILED);
    expect(taskFinished(statusChanged(4n, TaskStatus.RUNNING, TaskStatus.BLOCKED))?.status).toBe(TaskStatus.BLOCKED);
  });

  it("is not any other status change or event", () => {
    expect(taskFinished(statusChanged(4n, TaskStatus.QUEUED, TaskStatus.RUNNING))).toBeNull();
    expect(taskFinished(statusChanged(4n, TaskStatus.RUNNING, TaskStatus.CANCELLED))).toBeNull();
    expect(taskFinished(statusChanged(4n, TaskStatus.DONE, TaskStatus.DONE))).toBeNull();
    expect(taskFinished(event(1))).toBeNull();
  });
});
