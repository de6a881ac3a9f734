import { describe, expect, it } from "vitest";
import { TaskStatus } from "../gen/devserver/tasks/v1/tasks_pb";
import { ideaHref, newTaskHref, parsePageRoute, taskListHref, tasksIncludeRetired } from "./pages";
import { parseRoute } from "./route";

describe("page routes", () => {
  it("parses the new pages and leaves the others to parseRoute", () => {
    expect(parsePageRoute("#/tasks/new")).toEqual({ page: "new-task", template: "", idea: null });
    expect(parsePageRoute("#/tasks/new?template=7&idea=12")).toEqual({ page: "new-task", template: "7", idea: 12n });
    expect(parsePageRoute("#/tasks/new?idea=abc")).toEqual({ page: "new-task", template: "", idea: null });
    expect(parsePageRoute("#/templates")).toEqual({ page: "templates" });
    expect(parsePageRoute("#/ideas?id=4")).toEqual({ page: "ideas", selected: 4n });
    expect(parsePageRoute("#/repositories")).toEqual({ page: "repositories" });
    expect(parsePageRoute("#/tasks")).toBeNull();
    expect(parsePageRoute("#/tasks/12")).toBeNull();
    expect(parsePageRoute("#/")).toBeNull();
  });

  it("round-trips the links it makes", () => {
    expect(parsePageRoute(newTaskHref({ template: 3n }))).toEqual({ page: "new-task", template: "3", idea: null });
    expect(parsePageRoute(newTaskHref({ idea: 9n }))).toEqual({ page: "new-task", template: "", idea: 9n });
    expect(newTaskHref()).toBe("#/tasks/new");
    expect(parsePageRoute(ideaHref(8n))).toEqual({ page: "ideas", selected: 8n });
  });

  it("keeps the retired toggle next to the status filter in the task list's address", () => {
    const href = taskListHref([TaskStatus.DONE], 25, true);
    expect(tasksIncludeRetired(href)).toBe(true);
    expect(parseRoute(href)).toEqual({ page: "tasks", statuses: [TaskStatus.DONE], pageSize: 25 });
    expect(taskListHref([], 50, true)).toBe("#/tasks?retired=1");
    expect(taskListHref([], 50, false)).toBe("#/tasks");
    expect(tasksIncludeRetired("#/tasks")).toBe(false);
  });
});
