// Hash routes (#/tasks?status=running&size=50, #/tasks/42): the orchestrator serves one index.html, so the
// path never has to match a server route.
import { TaskStatus } from "../gen/devserver/tasks/v1/tasks_pb";
import { STATUS_NAMES } from "../views/format";

export type Route =
  | { page: "dashboard" }
  | { page: "tasks"; statuses: TaskStatus[]; pageSize: number }
  | { page: "task"; id: bigint }
  | { page: "not-found"; path: string };

const BY_NAME = new Map<string, TaskStatus>(
  Object.entries(STATUS_NAMES)
    .filter(([value]) => Number(value) !== TaskStatus.UNSPECIFIED)
    .map(([value, name]) => [name, Number(value) as TaskStatus]),
);

export function parseRoute(hash: string): Route {
  const raw = hash.replace(/^#/, "");
  const [path = "", query = ""] = raw.split("?", 2);
  const parts = path.split("/").filter((p) => p !== "");
  const params = new URLSearchParams(query);
  if (parts.length === 0 || (parts.length === 1 && parts[0] === "dashboard")) {
    return { page: "dashboard" };
  }
  if (parts[0] === "tasks" && parts.length === 1) {
    const statuses = (params.get("status") ?? "")
      .split(",")
      .map((s) => BY_NAME.get(s.trim()))
      .filter((s): s is TaskStatus => s !== undefined);
    const size = Number(params.get("size") ?? "50");
    return { page: "tasks", statuses, pageSize: Number.isFinite(size) && size > 0 ? Math.min(200, Math.floor(size)) : 50 };
  }
  if (parts[0] === "tasks" && parts.length === 2 && /^[1-9][0-9]{0,18}$/.test(parts[1] ?? "")) {
    return { page: "task", id: BigInt(parts[1] ?? "0") };
  }
  return { page: "not-found", path: `/${parts.join("/")}` };
}

export function tasksHref(statuses: readonly TaskStatus[], pageSize: number): string {
  const params = new URLSearchParams();
  if (statuses.length > 0) {
    params.set("status", statuses.map((s) => STATUS_NAMES[s]).join(","));
  }
  if (pageSize !== 50) {
    params.set("size", String(pageSize));
  }
  const q = params.toString();
  return q === "" ? "#/tasks" : `#/tasks?${q}`;
}

export function taskHref(id: bigint): string {
  return `#/tasks/${id}`;
}
