// The one place that decides whether a task event becomes a desktop notification, and what it says.
import type { TaskEvent } from "../gen/devserver/events/v1/events_pb";
import { TaskStatus } from "../gen/devserver/tasks/v1/tasks_pb";
import { taskFinished } from "../views/analytics";
import { statusName } from "../views/format";
import { createSignal } from "./signal";

/** Notification.permission, or "unsupported" where the browser has no Notification API (or not here, in http). */
export type NotifyPermission = "granted" | "denied" | "default" | "unsupported";

export interface DesktopNotification {
  title: string;
  body: string;
  /** One notification per task: a later status of the same task replaces the earlier one. */
  tag: string;
  /** The task page to open on click. */
  href: string;
}

export interface NotifyContext {
  /** Settings.notifications_enabled, as the orchestrator has it. */
  enabled: boolean;
  permission: NotifyPermission;
}

export function notificationFor(event: TaskEvent, context: NotifyContext): DesktopNotification | null {
  if (!context.enabled || context.permission !== "granted") {
    return null;
  }
  const finished = taskFinished(event);
  if (finished === null) {
    return null;
  }
  const id = String(finished.taskId);
  const status = statusName(finished.status);
  const lead =
    finished.status === TaskStatus.DONE
      ? `Task #${id} is done.`
      : finished.status === TaskStatus.BLOCKED
        ? `Task #${id} is blocked and needs a person.`
        : `Task #${id} failed.`;
  const reason = finished.reason.trim();
  return {
    title: `DevServer: task #${id} ${status}`,
    body: reason === "" ? lead : `${lead} ${reason.length > 200 ? `${reason.slice(0, 199)}…` : reason}`,
    tag: `devserver-task-${id}`,
    href: `#/tasks/${id}`,
  };
}

export function currentPermission(): NotifyPermission {
  if (typeof Notification === "undefined") {
    return "unsupported";
  }
  return Notification.permission;
}

/** Settings.notifications_enabled as last read or saved; the Settings page and the notifier share it. */
export const notificationsEnabled = createSignal<boolean | undefined>(undefined);
/** The browser's permission, updated after the person answers the prompt. */
export const notifyPermission = createSignal<NotifyPermission>("unsupported");
