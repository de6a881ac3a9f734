import { create } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { describe, expect, it } from "vitest";
import { QueueStateSchema } from "../gen/devserver/queue/v1/queue_pb";
import { SecretSchema, SettingsSchema } from "../gen/devserver/settings/v1/settings_pb";
import { NOW } from "../test/dashFixtures";
import { changeSettings, formChanged, parseConcurrency, safeMask, settingsPatch, toForm, toSecretRow, validateForm, withQueueState, type SettingsEdit } from "./settings";

const current = create(SettingsSchema, { maxConcurrency: 3, queuePaused: false, autoEnqueue: true, notificationsEnabled: false });

describe("settings form", () => {
  it("accepts a whole max concurrency from 1 to 10 only", () => {
    expect(parseConcurrency("1")).toBe(1);
    expect(parseConcurrency(" 10 ")).toBe(10);
    for (const bad of ["0", "11", "2.5", "-1", "", "abc", "1e1"]) {
      expect(parseConcurrency(bad)).toBeNull();
    }
  });

  it("explains an invalid max concurrency in words", () => {
    expect(validateForm({ ...toForm(current), maxConcurrency: "12" })).toEqual({ maxConcurrency: "Max concurrency must be a whole number from 1 to 10." });
    expect(validateForm({ ...toForm(current), maxConcurrency: " " }).maxConcurrency).toBe("Enter how many tasks may run at once (1 to 10).");
    expect(validateForm(toForm(current))).toEqual({});
  });

  it("sends only the fields that changed", () => {
    expect(settingsPatch(current, toForm(current))).toBeNull();
    expect(settingsPatch(current, { ...toForm(current), maxConcurrency: "5", notificationsEnabled: true })).toEqual({ maxConcurrency: 5, notificationsEnabled: true });
    expect(settingsPatch(current, { ...toForm(current), queuePaused: true, autoEnqueue: false })).toEqual({ queuePaused: true, autoEnqueue: false });
  });

  it("counts an invalid value as a change, so saving can explain it", () => {
    expect(formChanged(current, toForm(current))).toBe(false);
    expect(formChanged(current, { ...toForm(current), maxConcurrency: " 3 " })).toBe(false);
    expect(formChanged(current, { ...toForm(current), maxConcurrency: "12" })).toBe(true);
    expect(formChanged(current, { ...toForm(current), autoEnqueue: false })).toBe(true);
  });

  it("sends nothing while the form is invalid", () => {
    expect(settingsPatch(current, { ...toForm(current), maxConcurrency: "0", autoEnqueue: false })).toBeNull();
  });
});

describe("secrets table", () => {
  it("shows kind, scope, source, the masked value and when it was stored", () => {
    const row = toSecretRow(
      create(SecretSchema, { kind: "forge token", scope: "host github.com", source: "database", masked: "••••••••wxyz", updatedAt: timestampFromMs(NOW - 3_600_000) }),
      0,
      NOW,
    );
    expect(row).toMatchObject({ kind: "forge token", scope: "host github.com", source: "database", masked: "••••••••wxyz", updatedAgo: "1 h ago" });
    expect(row.updated).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
  });

  it("says when only a hash is stored and when the date is unknown", () => {
    const row = toSecretRow(create(SecretSchema, { kind: "API token", scope: "ci (admin)", source: "database (SHA-256 only)", masked: "" }), 1, NOW);
    expect(row).toMatchObject({ masked: "(only a hash is stored)", updated: "—", updatedAgo: "" });
  });

  it("never shows more than the last four characters, even of a value that arrived unmasked", () => {
    expect(safeMask("••••••••")).toBe("••••••••");
    expect(safeMask("••••••••abcd")).toBe("••••••••abcd");
    expect(safeMask("ghp_abcdefghijklmnop1234")).toBe("••••••••1234");
    expect(safeMask("short")).toBe("••••••••");
    expect(safeMask("ab••••••••cd")).toBe("••••••••cd");
    expect(safeMask("••••abcdefgh")).toBe("••••••••efgh");
  });
});

describe("settings following the queue's live state", () => {
  const queue = (paused: boolean, maxConcurrency: number) => create(QueueStateSchema, { paused, maxConcurrency });

  it("takes a pause and a concurrency changed elsewhere into the settings and the untouched form", () => {
    const next = withQueueState(current, toForm(current), queue(true, 5));
    expect(next.current).toMatchObject({ queuePaused: true, maxConcurrency: 5, autoEnqueue: true, notificationsEnabled: false });
    expect(next.form).toEqual({ ...toForm(current), queuePaused: true, maxConcurrency: "5" });
    // Nothing to save afterwards: the form is the orchestrator's state.
    expect(formChanged(next.current, next.form)).toBe(false);
  });

  it("keeps what the person typed or ticked, and the difference stays to be saved", () => {
    const typing = { ...toForm(current), maxConcurrency: "7", autoEnqueue: false };
    const next = withQueueState(current, typing, queue(true, 5));
    expect(next.form).toEqual({ ...typing, queuePaused: true });
    expect(settingsPatch(next.current, next.form)).toEqual({ maxConcurrency: 7, autoEnqueue: false });

    const ticked = { ...toForm(current), queuePaused: true };
    const resumed = withQueueState(create(SettingsSchema, { ...current, queuePaused: true }), { ...ticked, queuePaused: false }, queue(false, 3));
    expect(resumed.form.queuePaused).toBe(false);
    expect(resumed.current.queuePaused).toBe(false);
  });

  it("returns the same objects when the snapshot changes nothing", () => {
    const form = toForm(current);
    const next = withQueueState(current, form, queue(false, 3));
    expect(next.current).toBe(current);
    expect(next.form).toBe(form);
  });

  it("ignores a concurrency below the minimum (a snapshot without one)", () => {
    const next = withQueueState(current, toForm(current), queue(true, 0));
    expect(next.current.maxConcurrency).toBe(3);
    expect(next.form.maxConcurrency).toBe("3");
    expect(next.form.queuePaused).toBe(true);
  });
});

describe("the Settings page's state changes", () => {
  const queue = (paused: boolean, maxConcurrency: number) => create(QueueStateSchema, { paused, maxConcurrency });
  const before = create(SettingsSchema, { maxConcurrency: 2, queuePaused: false, autoEnqueue: false, notificationsEnabled: true });
  const saved = create(SettingsSchema, { maxConcurrency: 3, queuePaused: false, autoEnqueue: true, notificationsEnabled: false });
  const edited = (): SettingsEdit | null =>
    changeSettings(changeSettings(null, { kind: "settings", settings: before }), {
      kind: "edit",
      patch: { maxConcurrency: "3", autoEnqueue: true, notificationsEnabled: false },
    });

  // A save sends the change; the orchestrator answers it and its WatchQueue announces the new concurrency, in
  // either order. Whichever comes last, the page holds what was saved, with nothing left to save or undo.
  it("holds the saved settings when the save's own queue snapshot is applied after the save's answer", () => {
    const answered = changeSettings(edited(), { kind: "settings", settings: saved });
    const state = changeSettings(answered, { kind: "queue", queue: queue(false, 3) })!;
    expect(state).toBe(answered);
    expect(state.current).toEqual(saved);
    expect(formChanged(state.current, state.form)).toBe(false);
    expect(changeSettings(state, { kind: "undo" })!.form).toEqual(toForm(saved));
  });

  it("holds the saved settings when the snapshot comes first and the answer after it", () => {
    const announced = changeSettings(edited(), { kind: "queue", queue: queue(false, 3) })!;
    // Before the answer the ticked boxes are still unsaved changes (the snapshot brings only the concurrency).
    expect(settingsPatch(announced.current, announced.form)).toEqual({ autoEnqueue: true, notificationsEnabled: false });
    const state = changeSettings(announced, { kind: "settings", settings: saved })!;
    expect(state.current).toEqual(saved);
    expect(formChanged(state.current, state.form)).toBe(false);
  });

  it("keeps edits through a snapshot, undoes them to the orchestrator's values, and ignores everything before the first read", () => {
    const typing = changeSettings(changeSettings(null, { kind: "settings", settings: before }), { kind: "edit", patch: { autoEnqueue: true } });
    const paused = changeSettings(typing, { kind: "queue", queue: queue(true, 2) })!;
    expect(paused.form).toEqual({ ...toForm(before), autoEnqueue: true, queuePaused: true });
    expect(changeSettings(paused, { kind: "undo" })!.form).toEqual({ ...toForm(before), queuePaused: true });
    expect(changeSettings(null, { kind: "queue", queue: queue(true, 5) })).toBeNull();
    expect(changeSettings(null, { kind: "edit", patch: { autoEnqueue: true } })).toBeNull();
    expect(changeSettings(null, { kind: "undo" })).toBeNull();
  });
});
