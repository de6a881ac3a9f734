import { useEffect, useState } from "preact/hooks";
import {
  currentPermission,
  notificationFor,
  notificationsEnabled,
  notifyPermission,
  type DesktopNotification,
  type NotifyPermission,
} from "../lib/notifications";
import { useApp } from "./context";

function show(n: DesktopNotification) {
  try {
    const note = new Notification(n.title, { body: n.body, tag: n.tag });
    note.onclick = () => {
      window.focus();
      location.hash = n.href;
      note.close();
    };
  } catch {
    // Some browsers only allow notifications from a service worker: nothing to do here then.
  }
}

/**
 * Desktop notifications when a task finishes, on every page. It listens to the global event stream only while
 * notifications are switched on and the browser allows them; notificationFor decides each event.
 */
export function Notifier() {
  const { api, events } = useApp();
  const [enabled, setEnabled] = useState(notificationsEnabled.get());
  const [permission, setPermission] = useState<NotifyPermission>(currentPermission);

  useEffect(() => notificationsEnabled.subscribe(setEnabled), []);
  useEffect(() => notifyPermission.subscribe(setPermission), []);

  useEffect(() => {
    notifyPermission.set(currentPermission());
    if (currentPermission() !== "granted" || notificationsEnabled.get() !== undefined) {
      return;
    }
    const abort = new AbortController();
    api.settings
      .getSettings({}, { signal: abort.signal })
      .then((r) => notificationsEnabled.set(r.settings?.notificationsEnabled ?? false))
      .catch(() => {
        // An older orchestrator or a hiccup: no notifications, and the pages report real problems.
      });
    return () => abort.abort();
  }, [api, permission]);

  useEffect(() => {
    if (enabled !== true || permission !== "granted") {
      return;
    }
    // A permanent error (the token) is reported by the page in view, which sends the person to log in.
    return events.subscribe({
      onEvent: (event) => {
        const note = notificationFor(event, { enabled: notificationsEnabled.get() === true, permission: currentPermission() });
        if (note !== null) {
          show(note);
        }
      },
    });
  }, [events, enabled, permission]);

  return null;
}
