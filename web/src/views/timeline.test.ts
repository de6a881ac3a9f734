import { describe, expect, it } from "vitest";
import { TaskStatus } from "../gen/devserver/tasks/v1/tasks_pb";
import { event } from "../test/fixtures";
import { Timeline } from "./timeline";

describe("timeline", () => {
  it("takes events in order and ignores duplicates", () => {
    const t = new Timeline();
    expect(t.append([event(1), event(2), event(3)])).toBe(3);
    expect(t.append([event(2), event(3), event(4)])).toBe(1);
    expect(t.lastSequence).toBe(4n);
    expect(t.view("all").map((r) => r.sequence)).toEqual([1n, 2n, 3n, 4n]);
  });

  it("filters output lines and problems, keeping cached views current", () => {
    const t = new Timeline();
    t.append([event(1), event(2, { case: "statusChanged", value: { from: TaskStatus.RUNNING, to: TaskStatus.FAILED } })]);
    expect(t.view("no-output").map((r) => r.sequence)).toEqual([2n]);
    expect(t.view("problems").map((r) => r.sequence)).toEqual([2n]);
    t.append([event(3, { case: "created", value: { title: "x" } }), event(4, { case: "workerLost", value: { workerId: "w" } })]);
    expect(t.view("no-output").map((r) => r.sequence)).toEqual([2n, 3n, 4n]);
    expect(t.view("problems").map((r) => r.sequence)).toEqual([2n, 4n]);
  });

  it("takes in 10 000 events quickly, in batches as the stream delivers them", () => {
    const t = new Timeline();
    t.view("no-output");
    const started = performance.now();
    for (let batch = 0; batch < 100; batch++) {
      t.append(Array.from({ length: 100 }, (_, i) => event(batch * 100 + i + 1, i % 10 === 0 ? { case: "taskUpdated", value: { fields: ["title"] } } : undefined)));
    }
    const elapsed = performance.now() - started;
    expect(t.size).toBe(10_000);
    expect(t.view("no-output")).toHaveLength(1000);
    // Generous for a slow shared CI core; quadratic work (refiltering per batch) would be far slower.
    expect(elapsed).toBeLessThan(2000);
  });
});
