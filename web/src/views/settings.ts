// The Settings page's form (validation, what changed) and the secrets table. Secrets are shown only as the
// orchestrator masked them, and re-masked here should a value ever arrive unmasked.
import type { MessageInitShape } from "@bufbuild/protobuf";
import type { QueueState } from "../gen/devserver/queue/v1/queue_pb";
import type { Secret, Settings, UpdateSettingsRequestSchema } from "../gen/devserver/settings/v1/settings_pb";
import { formatAgo, formatTime } from "./format";

export const MIN_CONCURRENCY = 1;
export const MAX_CONCURRENCY = 10;

export interface SettingsForm {
  /** As typed, so a half-typed value can be shown and explained. */
  maxConcurrency: string;
  queuePaused: boolean;
  autoEnqueue: boolean;
  notificationsEnabled: boolean;
}

export type FormErrors = Partial<Record<keyof SettingsForm, string>>;

export function toForm(s: Settings): SettingsForm {
  return {
    maxConcurrency: String(s.maxConcurrency),
    queuePaused: s.queuePaused,
    autoEnqueue: s.autoEnqueue,
    notificationsEnabled: s.notificationsEnabled,
  };
}

export function parseConcurrency(text: string): number | null {
  const t = text.trim();
  if (!/^\d{1,3}$/.test(t)) {
    return null;
  }
  const n = Number(t);
  return n >= MIN_CONCURRENCY && n <= MAX_CONCURRENCY ? n : null;
}

export function validateForm(form: SettingsForm): FormErrors {
  const errors: FormErrors = {};
  if (parseConcurrency(form.maxConcurrency) === null) {
    errors.maxConcurrency =
      form.maxConcurrency.trim() === ""
        ? `Enter how many tasks may run at once (${MIN_CONCURRENCY} to ${MAX_CONCURRENCY}).`
        : `Max concurrency must be a whole number from ${MIN_CONCURRENCY} to ${MAX_CONCURRENCY}.`;
  }
  return errors;
}

/** True when the form differs from the orchestrator's settings as typed (an invalid value counts: saving it
 * must be possible, so that the person is told what is wrong). */
export function formChanged(current: Settings, form: SettingsForm): boolean {
  const base = toForm(current);
  return (
    base.maxConcurrency !== form.maxConcurrency.trim() ||
    base.queuePaused !== form.queuePaused ||
    base.autoEnqueue !== form.autoEnqueue ||
    base.notificationsEnabled !== form.notificationsEnabled
  );
}

export type SettingsPatch = MessageInitShape<typeof UpdateSettingsRequestSchema>;

/** Only the fields that differ from what the orchestrator has, so a save never overwrites a concurrent change to
 * another field; null when nothing changed or the form is invalid. */
export function settingsPatch(current: Settings, form: SettingsForm): SettingsPatch | null {
  const concurrency = parseConcurrency(form.maxConcurrency);
  if (concurrency === null) {
    return null;
  }
  const patch: SettingsPatch = {};
  let changed = false;
  if (concurrency !== current.maxConcurrency) {
    patch.maxConcurrency = concurrency;
    changed = true;
  }
  if (form.queuePaused !== current.queuePaused) {
    patch.queuePaused = form.queuePaused;
    changed = true;
  }
  if (form.autoEnqueue !== current.autoEnqueue) {
    patch.autoEnqueue = form.autoEnqueue;
    changed = true;
  }
  if (form.notificationsEnabled !== current.notificationsEnabled) {
    patch.notificationsEnabled = form.notificationsEnabled;
    changed = true;
  }
  return changed ? patch : null;
}

/**
 * A WatchQueue snapshot's pause and concurrency (changed from the dashboard, the CLI or another tab) over the loaded
 * settings. A field the person has changed in the form keeps what they typed; an untouched one follows. The same
 * objects come back when nothing differs, so a snapshot that changes nothing re-renders nothing.
 */
export function withQueueState(current: Settings, form: SettingsForm, queue: QueueState): { current: Settings; form: SettingsForm } {
  const concurrency = queue.maxConcurrency >= MIN_CONCURRENCY ? queue.maxConcurrency : current.maxConcurrency;
  if (concurrency === current.maxConcurrency && queue.paused === current.queuePaused) {
    return { current, form };
  }
  const base = toForm(current);
  const next: Settings = { ...current, maxConcurrency: concurrency, queuePaused: queue.paused };
  return {
    current: next,
    form: {
      ...form,
      maxConcurrency: form.maxConcurrency.trim() === base.maxConcurrency ? String(concurrency) : form.maxConcurrency,
      queuePaused: form.queuePaused === base.queuePaused ? queue.paused : form.queuePaused,
    },
  };
}

/** The Settings page's form state: the orchestrator's settings as last heard, and the form as the person edits it. */
export interface SettingsEdit {
  current: Settings;
  form: SettingsForm;
}

/** Settings read or saved (the form starts over from them), a WatchQueue snapshot, an edit, or undoing the edits. */
export type SettingsChange =
  | { kind: "settings"; settings: Settings }
  | { kind: "queue"; queue: QueueState }
  | { kind: "edit"; patch: Partial<SettingsForm> }
  | { kind: "undo" };

/**
 * Every change to the Settings page's state, as a reducer: each applies to the latest state, never to a copy an
 * effect captured earlier. (A snapshot applied to captured state could land after a save's answer and put the
 * settings from before the save back under the saved form: the page then offered to save again, and Undo would have
 * shown the old values.) Unchanged state comes back as the same object, so nothing re-renders.
 */
export function changeSettings(state: SettingsEdit | null, change: SettingsChange): SettingsEdit | null {
  switch (change.kind) {
    case "settings":
      return { current: change.settings, form: toForm(change.settings) };
    case "queue": {
      if (state === null) {
        return state;
      }
      const next = withQueueState(state.current, state.form, change.queue);
      return next.current === state.current ? state : next;
    }
    case "edit":
      return state === null ? state : { ...state, form: { ...state.form, ...change.patch } };
    case "undo":
      return state === null ? state : { ...state, form: toForm(state.current) };
  }
}

const BULLET = "•";

/**
 * The masked value as shown: the orchestrator's bullets and at most four clear characters at the end. Should
 * the orchestrator ever send more in the clear (a bug), only the last four survive, behind bullets.
 */
export function safeMask(masked: string): string {
  if (masked === "") {
    return "";
  }
  const chars = [...masked];
  const lastBullet = chars.lastIndexOf(BULLET);
  const clear = chars.slice(lastBullet + 1);
  const hasClearBeforeBullets = chars.slice(0, lastBullet + 1).some((c) => c !== BULLET);
  if (lastBullet >= 0 && !hasClearBeforeBullets && clear.length <= 4) {
    return masked;
  }
  // Too much in the clear: reveal at most the last four, and only of a value long enough to hide the rest.
  const tail = chars.length >= 12 ? clear.slice(-4).join("") : "";
  return BULLET.repeat(8) + tail;
}

export interface SecretRow {
  key: string;
  kind: string;
  scope: string;
  source: string;
  masked: string;
  updated: string;
  updatedAgo: string;
}

export function toSecretRow(s: Secret, index: number, now: number): SecretRow {
  const masked = safeMask(s.masked);
  return {
    key: `${index}:${s.kind}:${s.scope}`,
    kind: s.kind || "secret",
    scope: s.scope || "—",
    source: s.source || "—",
    masked: masked === "" ? "(only a hash is stored)" : masked,
    updated: s.updatedAt === undefined ? "—" : formatTime(s.updatedAt),
    updatedAgo: s.updatedAt === undefined ? "" : formatAgo(s.updatedAt, now),
  };
}
