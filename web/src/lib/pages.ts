// Routes of the task-creation, templates, ideas and repositories pages, and the retired toggle of the task list.
// Checked before parseRoute (route.ts), which would call #/tasks/new an unknown page.
import type { TaskStatus } from "../gen/devserver/tasks/v1/tasks_pb";
import { tasksHref } from "./route";

export type PageRoute =
  | { page: "new-task"; template: string; idea: bigint | null }
  | { page: "templates" }
  | { page: "ideas"; selected: bigint | null }
  | { page: "repositories" };

function idParam(value: string | null): bigint | null {
  return value !== null && /^[1-9][0-9]{0,18}$/.test(value) ? BigInt(value) : null;
}

export function parsePageRoute(hash: string): PageRoute | null {
  const raw = hash.replace(/^#/, "");
  const [path = "", query = ""] = raw.split("?", 2);
  const parts = path.split("/").filter((p) => p !== "");
  const params = new URLSearchParams(query);
  if (parts.length === 2 && parts[0] === "tasks" && parts[1] === "new") {
    return { page: "new-task", template: params.get("template")?.trim() ?? "", idea: idParam(params.get("idea")) };
  }
  if (parts.length !== 1) {
    return null;
  }
  switch (parts[0]) {
    case "templates":
      return { page: "templates" };
    case "ideas":
      return { page: "ideas", selected: idParam(params.get("id")) };
    case "repositories":
      return { page: "repositories" };
    default:
      return null;
  }
}

/** True when the task list's address asks for retired tasks too (#/tasks?retired=1). */
export function tasksIncludeRetired(hash: string): boolean {
  const query = hash.replace(/^#/, "").split("?", 2)[1] ?? "";
  const value = new URLSearchParams(query).get("retired");
  return value === "1" || value === "true";
}

export function taskListHref(statuses: readonly TaskStatus[], pageSize: number, includeRetired: boolean): string {
  const base = tasksHref(statuses, pageSize);
  if (!includeRetired) {
    return base;
  }
  return base.includes("?") ? `${base}&retired=1` : `${base}?retired=1`;
}

export function newTaskHref(from: { template?: string | bigint; idea?: bigint } = {}): string {
  const params = new URLSearchParams();
  if (from.template !== undefined && from.template !== "") {
    params.set("template", String(from.template));
  }
  if (from.idea !== undefined) {
    params.set("idea", String(from.idea));
  }
  const q = params.toString();
  return q === "" ? "#/tasks/new" : `#/tasks/new?${q}`;
}

export function ideaHref(id: bigint): string {
  return `#/ideas?id=${id}`;
}
