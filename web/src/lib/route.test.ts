import { describe, expect, it } from "vitest";
import { TaskStatus } from "../gen/devserver/tasks/v1/tasks_pb";
import { parseRoute, taskHref, tasksHref } from "./route";

describe("routes", () => {
  it("parses the pages", () => {
    expect(parseRoute("")).toEqual({ page: "dashboard" });
    expect(parseRoute("#/")).toEqual({ page: "dashboard" });
    expect(parseRoute("#/tasks")).toEqual({ page: "tasks", statuses: [], pageSize: 50 });
    expect(parseRoute("#/tasks?status=running,failed&size=25")).toEqual({
      page: "tasks",
      statuses: [TaskStatus.RUNNING, TaskStatus.FAILED],
      pageSize: 25,
    });
    expect(parseRoute("#/tasks/42")).toEqual({ page: "task", id: 42n });
    expect(parseRoute("#/tasks/9223372036854775807")).toEqual({ page: "task", id: 9223372036854775807n });
  });

  it("ignores unknown statuses and bad sizes; unknown paths are not found", () => {
    expect(parseRoute("#/tasks?status=bogus,done&size=-1")).toEqual({ page: "tasks", statuses: [TaskStatus.DONE], pageSize: 50 });
    expect(parseRoute("#/tasks?size=5000")).toMatchObject({ pageSize: 200 });
    expect(parseRoute("#/tasks/0")).toEqual({ page: "not-found", path: "/tasks/0" });
    expect(parseRoute("#/tasks/abc")).toEqual({ page: "not-found", path: "/tasks/abc" });
  });

  it("round-trips links", () => {
    const href = tasksHref([TaskStatus.QUEUED, TaskStatus.BLOCKED], 100);
    expect(href).toBe("#/tasks?status=queued%2Cblocked&size=100");
    expect(parseRoute(href)).toEqual({ page: "tasks", statuses: [TaskStatus.QUEUED, TaskStatus.BLOCKED], pageSize: 100 });
    expect(tasksHref([], 50)).toBe("#/tasks");
    expect(parseRoute(taskHref(7n))).toEqual({ page: "task", id: 7n });
  });
});
