import { describe, expect, it } from "vitest";
import { TaskStatus } from "../gen/devserver/tasks/v1/tasks_pb";
import { statusChanged } from "../test/dashFixtures";
import { event } from "../test/fixtures";
import { notificationFor, type NotifyPermission } from "./notifications";

const on = { enabled: true, permission: "granted" as NotifyPermission };

describe("desktop notification decision", () => {
  it("notifies when a task becomes done, failed or blocked", () => {
    expect(notificationFor(statusChanged(42n, TaskStatus.DELIVERING, TaskStatus.DONE), on)).toEqual({
      title: "DevServer: task #42 done",
      body: "Task #42 is done.",
      tag: "devserver-task-42",
      href: "#/tasks/42",
    });
    expect(notificationFor(statusChanged(42n, TaskStatus.VERIFYING, TaskStatus.FAILED, "tests failed"), on)?.body).toBe("Task #42 failed. tests failed");
    expect(notificationFor(statusChanged(42n, TaskStatus.RUNNING, TaskStatus.BLOCKED), on)?.body).toBe("Task #42 is blocked and needs a person.");
  });

  it("stays quiet for other events", () => {
    expect(notificationFor(statusChanged(42n, TaskStatus.QUEUED, TaskStatus.RUNNING), on)).toBeNull();
    expect(notificationFor(statusChanged(42n, TaskStatus.RUNNING, TaskStatus.CANCELLED), on)).toBeNull();
    expect(notificationFor(event(3), on)).toBeNull();
  });

  it("stays quiet unless notifications are on and the browser allowed them", () => {
    const done = statusChanged(42n, TaskStatus.DELIVERING, TaskStatus.DONE);
    expect(notificationFor(done, { enabled: false, permission: "granted" })).toBeNull();
    for (const permission of ["default", "denied", "unsupported"] as const) {
      expect(notificationFor(done, { enabled: true, permission })).toBeNull();
    }
  });

  it("shortens a long reason", () => {
    const body = notificationFor(statusChanged(1n, TaskStatus.RUNNING, TaskStatus.FAILED, "x".repeat(500)), on)?.body ?? "";
    expect(body.length).toBeLessThan(230);
    expect(body.endsWith("…")).toBe(true);
  });
});
