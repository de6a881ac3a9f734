import type { ComponentChildren } from "preact";
import { useId } from "preact/hooks";
import { TaskStatus } from "../gen/devserver/tasks/v1/tasks_pb";
import type { StreamState } from "../lib/resumable";
import { priorityName, statusName } from "../views/format";

export function StatusBadge({ status }: { status: TaskStatus }) {
  return <span class={`badge status-${statusName(status)}`}>{statusName(status)}</span>;
}

export function PriorityBadge({ priority }: { priority: number }) {
  return (
    <span class={`badge prio prio-${priority}`} title={`priority ${priority}`}>
      {priorityName(priority)}
    </span>
  );
}

/** The one row a table shows while its rows load (items null) or when there are none; nothing otherwise. */
export function PlaceholderRow({ items, columns, empty }: { items: readonly unknown[] | null; columns: number; empty: string | null }) {
  if (items !== null && (items.length > 0 || empty === null)) {
    return null;
  }
  return (
    <tr>
      <td colSpan={columns} class="muted">
        {items === null ? "Loading…" : empty}
      </td>
    </tr>
  );
}

export function ErrorBanner({ message, onClose }: { message: string | null; onClose?: () => void }) {
  if (message === null) {
    return null;
  }
  return (
    <div class="error" role="alert">
      <span>{message}</span>
      {onClose !== undefined && (
        <button class="link" onClick={onClose} aria-label="dismiss">
          ×
        </button>
      )}
    </div>
  );
}

export function LiveIndicator({ state }: { state: StreamState | null }) {
  let text = "offline";
  let cls = "muted";
  if (state !== null) {
    switch (state.kind) {
      case "connecting":
        text = "connecting…";
        cls = "info";
        break;
      case "live":
        text = "live";
        cls = "ok";
        break;
      case "reconnecting":
        text = `reconnecting in ${Math.ceil(state.delayMs / 1000)} s`;
        cls = "warn";
        break;
      case "ended":
        text = "finished";
        cls = "muted";
        break;
      case "failed":
        text = "stopped";
        cls = "error";
        break;
    }
  }
  // The state as a word for browser tests (the text carries a countdown).
  return (
    <span class={`live tone-${cls}`} data-testid="live-indicator" data-state={state?.kind ?? "offline"}>
      ● {text}
    </span>
  );
}

/**
 * A titled panel. Its heading names the section (a named section is a region), so a screen reader's list of
 * landmarks and a test's getByRole("region", { name }) find "the Patches panel" by what it says.
 */
export function Card({
  title,
  children,
  actions,
  class: extra,
}: {
  /** The heading: text, or text with marks (a severity colour); its text is the region's name. */
  title: ComponentChildren;
  children: ComponentChildren;
  actions?: ComponentChildren;
  /** Classes beside "card", for a panel's own layout. */
  class?: string;
}) {
  const heading = useId();
  return (
    <section class={extra === undefined ? "card" : `card ${extra}`} aria-labelledby={heading}>
      <header>
        <h2 id={heading}>{title}</h2>
        {actions !== undefined && <div class="actions">{actions}</div>}
      </header>
      {children}
    </section>
  );
}
