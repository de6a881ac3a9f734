import { useEffect, useMemo, useReducer, useState } from "preact/hooks";
import type { Secret } from "../gen/devserver/settings/v1/settings_pb";
import { currentPermission, notificationsEnabled, notifyPermission, type NotifyPermission } from "../lib/notifications";
import {
  MAX_CONCURRENCY,
  MIN_CONCURRENCY,
  changeSettings,
  formChanged,
  settingsPatch,
  toSecretRow,
  validateForm,
  type FormErrors,
  type SettingsForm,
} from "../views/settings";
import { Card, ErrorBanner, LiveIndicator } from "./common";
import { useApp } from "./context";
import { useNow } from "./hooks";
import { useQueueState } from "./useQueueState";

function permissionText(p: NotifyPermission): string {
  switch (p) {
    case "granted":
      return "This browser shows DevServer's notifications.";
    case "denied":
      return "This browser blocks notifications from this page; allow them in the browser's site settings.";
    case "default":
      return "This browser has not been asked yet.";
    default:
      return "This browser cannot show notifications here (they need a secure page: https or localhost).";
  }
}

export function Settings() {
  const { api, report } = useApp();
  const now = useNow(30_000);
  const [edit, dispatch] = useReducer(changeSettings, null);
  const current = edit?.current ?? null;
  const form = edit?.form ?? null;
  const [secrets, setSecrets] = useState<Secret[]>([]);
  const [errors, setErrors] = useState<FormErrors>({});
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [busy, setBusy] = useState(false);
  const [permission, setPermission] = useState<NotifyPermission>(currentPermission);

  async function load(signal?: AbortSignal) {
    setLoading(true);
    try {
      const r = await api.settings.getSettings({}, { signal });
      if (signal?.aborted) {
        return;
      }
      if (r.settings !== undefined) {
        dispatch({ kind: "settings", settings: r.settings });
        notificationsEnabled.set(r.settings.notificationsEnabled);
      }
      setSecrets(r.secrets);
      setErrors({});
      setError(null);
    } catch (err) {
      if (!signal?.aborted) {
        setError(report(err).message);
      }
    } finally {
      if (!signal?.aborted) {
        setLoading(false);
      }
    }
  }

  useEffect(() => {
    const abort = new AbortController();
    void load(abort.signal);
    return () => abort.abort();
  }, [api]);

  useEffect(() => notifyPermission.subscribe(setPermission), []);

  // Pause and concurrency are also the queue's: WatchQueue brings changes made elsewhere (the dashboard, the CLI).
  const { queue, stream } = useQueueState();
  useEffect(() => {
    if (queue !== undefined) {
      dispatch({ kind: "queue", queue });
    }
    // Only a new snapshot is news: re-applying an older one over freshly loaded or saved settings would undo them.
  }, [queue]);

  async function save(e: Event) {
    e.preventDefault();
    if (current === null || form === null) {
      return;
    }
    const invalid = validateForm(form);
    setErrors(invalid);
    setNotice(null);
    if (Object.keys(invalid).length > 0) {
      return;
    }
    const patch = settingsPatch(current, form);
    if (patch === null) {
      setNotice("Nothing changed.");
      return;
    }
    setBusy(true);
    try {
      const r = await api.settings.updateSettings(patch);
      if (r.settings !== undefined) {
        dispatch({ kind: "settings", settings: r.settings });
        notificationsEnabled.set(r.settings.notificationsEnabled);
      }
      setError(null);
      setNotice("Saved.");
    } catch (err) {
      setError(report(err).message);
    } finally {
      setBusy(false);
    }
  }

  async function askPermission() {
    if (typeof Notification === "undefined") {
      return;
    }
    try {
      const answer = await Notification.requestPermission();
      notifyPermission.set(answer);
      setPermission(answer);
    } catch {
      setPermission(currentPermission());
    }
  }

  const rows = useMemo(() => secrets.map((s, i) => toSecretRow(s, i, now)), [secrets, now]);
  const dirty = current !== null && form !== null && formChanged(current, form);
  const update = (patch: Partial<SettingsForm>) => {
    setNotice(null);
    dispatch({ kind: "edit", patch });
  };

  return (
    <main class="narrow">
      <div class="page-title">
        <h1>Settings</h1>
        <LiveIndicator state={stream} />
        <span class="spacer" />
        <button onClick={() => void load()} disabled={loading || busy}>
          Reload
        </button>
      </div>
      <ErrorBanner message={error} onClose={() => setError(null)} />
      <Card title="Queue and tasks">
        {form === null ? (
          <p class="muted">{loading ? "Loading…" : "The settings could not be read."}</p>
        ) : (
          <form class="settings" onSubmit={(e) => void save(e)} noValidate>
            <label class="field">
              <span>Max concurrency</span>
              <input
                type="number"
                min={MIN_CONCURRENCY}
                max={MAX_CONCURRENCY}
                step={1}
                value={form.maxConcurrency}
                aria-invalid={errors.maxConcurrency !== undefined}
                onInput={(e) => update({ maxConcurrency: (e.currentTarget as HTMLInputElement).value })}
              />
              <span class="muted small">
                How many tasks may be running, verifying or delivering at once across the cluster ({MIN_CONCURRENCY}–{MAX_CONCURRENCY}).
              </span>
              {errors.maxConcurrency !== undefined && <span class="tone-error small">{errors.maxConcurrency}</span>}
            </label>
            <label class="check">
              <input type="checkbox" checked={form.queuePaused} onChange={(e) => update({ queuePaused: (e.currentTarget as HTMLInputElement).checked })} />
              <span>
                Queue paused <span class="muted small">— no new task is dispatched; running ones go on.</span>
              </span>
            </label>
            <label class="check">
              <input type="checkbox" checked={form.autoEnqueue} onChange={(e) => update({ autoEnqueue: (e.currentTarget as HTMLInputElement).checked })} />
              <span>
                Auto-enqueue <span class="muted small">— new tasks are queued at once unless their creation says otherwise.</span>
              </span>
            </label>
            <label class="check">
              <input
                type="checkbox"
                checked={form.notificationsEnabled}
                onChange={(e) => update({ notificationsEnabled: (e.currentTarget as HTMLInputElement).checked })}
              />
              <span>
                Notifications <span class="muted small">— a desktop notification when a task is done, failed or blocked.</span>
              </span>
            </label>
            <div class="buttons">
              <button type="submit" class="primary" disabled={busy || !dirty}>
                {busy ? "Saving…" : "Save"}
              </button>
              <button type="button" disabled={busy || !dirty} onClick={() => (dispatch({ kind: "undo" }), setErrors({}), setNotice(null))}>
                Undo changes
              </button>
              {notice !== null && <span class="muted">{notice}</span>}
            </div>
          </form>
        )}
      </Card>
      <Card title="Desktop notifications in this browser">
        <p>{permissionText(permission)}</p>
        {permission === "default" && (
          <button onClick={() => void askPermission()} class="primary">
            Allow notifications
          </button>
        )}
        {permission === "granted" && current !== null && !current.notificationsEnabled && (
          <p class="muted small">Notifications are switched off above, so none are shown.</p>
        )}
      </Card>
      <Card title="Secrets">
        <p class="muted small">What the orchestrator holds or checks. Values are never shown: at most their last four characters.</p>
        {rows.length === 0 ? (
          <p class="muted">{loading ? "Loading…" : "The orchestrator holds no secrets."}</p>
        ) : (
          <div class="table-scroll">
            <table class="grid">
              <thead>
                <tr>
                  <th>Kind</th>
                  <th>Scope</th>
                  <th>Source</th>
                  <th>Value</th>
                  <th>Updated</th>
                </tr>
              </thead>
              <tbody>
                {rows.map((r) => (
                  <tr key={r.key}>
                    <td>{r.kind}</td>
                    <td class="wrap">{r.scope}</td>
                    <td>{r.source}</td>
                    <td>
                      <code>{r.masked}</code>
                    </td>
                    <td title={r.updated}>{r.updatedAgo === "" ? r.updated : r.updatedAgo}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Card>
    </main>
  );
}
