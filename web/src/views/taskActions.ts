// Which actions a task's status allows, following the contract's preconditions (EnqueueTask: pending;
// CancelTask: not finished; RetryTask: failed, blocked or cancelled; UpdateTask.retired: finished; DeleteTask:
// not queued, running or verifying).
import { TaskStatus } from "../gen/devserver/tasks/v1/tasks_pb";

export type TaskAction = "enqueue" | "cancel" | "retry" | "retire" | "unretire" | "delete";

export const FINISHED: ReadonlySet<TaskStatus> = new Set([TaskStatus.DONE, TaskStatus.FAILED, TaskStatus.BLOCKED, TaskStatus.CANCELLED]);
const ACTIVE: ReadonlySet<TaskStatus> = new Set([TaskStatus.QUEUED, TaskStatus.RUNNING, TaskStatus.VERIFYING, TaskStatus.DELIVERING]);
const RETRYABLE: ReadonlySet<TaskStatus> = new Set([TaskStatus.FAILED, TaskStatus.BLOCKED, TaskStatus.CANCELLED]);

export function allowedActions(status: TaskStatus, retired: boolean): ReadonlySet<TaskAction> {
  const actions = new Set<TaskAction>();
  if (status === TaskStatus.PENDING) {
    actions.add("enqueue");
  }
  if (ACTIVE.has(status)) {
    actions.add("cancel");
  }
  if (RETRYABLE.has(status)) {
    actions.add("retry");
  }
  if (FINISHED.has(status)) {
    actions.add(retired ? "unretire" : "retire");
  }
  // The server refuses deletion while queued, running or verifying; a delivery in progress is left alone too,
  // so nothing is deleted while it is being pushed.
  if (!ACTIVE.has(status) && status !== TaskStatus.UNSPECIFIED) {
    actions.add("delete");
  }
  return actions;
}

/** The order of the buttons. */
export const ACTION_ORDER: readonly TaskAction[] = ["enqueue", "cancel", "retry", "retire", "unretire", "delete"];

export const ACTION_LABELS: Record<TaskAction, string> = {
  enqueue: "Enqueue",
  cancel: "Cancel",
  retry: "Retry",
  retire: "Retire",
  unretire: "Bring back",
  delete: "Delete…",
};
