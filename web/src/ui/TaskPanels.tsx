// The task page's agent settings sidebar and patches panel.
import { useEffect, useMemo, useState } from "preact/hooks";
import type { AgentTask, GetTaskPatchResponse, Run, TaskStatus } from "../gen/devserver/tasks/v1/tasks_pb";
import { billingName, flowName, turnsText, validateAgentFields, vendorModelText, type AgentFields } from "../views/agentFields";
import { patchRead, summarizePatch } from "../views/patch";
import { diffSettings, settingsLockReason, settingsOfTask } from "../views/taskSettings";
import { Card, ErrorBanner } from "./common";
import { useApp } from "./context";
import { AgentFieldsEditor, hasErrors } from "./forms";

export function SettingsPanel({ task, onSaved }: { task: AgentTask; onSaved: (t: AgentTask) => void }) {
  const { api, report } = useApp();
  const stored = useMemo(() => settingsOfTask(task), [task]);
  const [draft, setDraft] = useState<AgentFields>(stored);
  const [editing, setEditing] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const lock = settingsLockReason(task.status);

  // A task that changed on the server (a live event) shows its new values unless the person is editing.
  useEffect(() => {
    if (!editing) {
      setDraft(stored);
    }
  }, [stored, editing]);

  const { request, changed } = diffSettings(task, draft);
  const errors = validateAgentFields(draft);

  async function save(e: Event) {
    e.preventDefault();
    if (changed.length === 0 || hasErrors(errors) || lock !== null) {
      return;
    }
    setBusy(true);
    try {
      const r = await api.tasks.updateTask(request);
      if (r.task !== undefined) {
        onSaved(r.task);
      }
      setEditing(false);
      setProblem(null);
    } catch (err) {
      setProblem(`save the settings: ${report(err).message}`);
    } finally {
      setBusy(false);
    }
  }

  return (
    <Card title="Agent settings">
      {!editing ? (
        <>
          <dl class="facts">
            <dt>Vendor/model</dt>
            <dd>{vendorModelText(task.vendor || "script", task.model)}</dd>
            <dt>Backup</dt>
            <dd>{task.backupVendor === "" ? "none" : vendorModelText(task.backupVendor, task.backupModel)}</dd>
            <dt>Max turns</dt>
            <dd>{turnsText(stored.turns)}</dd>
            <dt>Billing</dt>
            <dd>{billingName(task.billingMode)}</dd>
            <dt>Delivery flow</dt>
            <dd>{flowName(task.deliveryFlow)}</dd>
            <dt>Verification</dt>
            <dd>{task.skipVerification ? "skipped" : "on"}</dd>
            <dt>Allowed tools</dt>
            <dd>{task.allowedTools.length === 0 ? "vendor default" : task.allowedTools.join(", ")}</dd>
          </dl>
          {lock !== null && <p class="muted small">{lock}</p>}
          <button disabled={lock !== null} onClick={() => setEditing(true)} title={lock ?? undefined}>
            Edit settings
          </button>
        </>
      ) : (
        <form onSubmit={(e) => void save(e)}>
          <AgentFieldsEditor value={draft} onChange={(patch) => setDraft((d) => ({ ...d, ...patch }))} errors={errors} disabled={busy || lock !== null} />
          {lock !== null && <p class="tone-warn small">{lock}</p>}
          <ErrorBanner message={problem} onClose={() => setProblem(null)} />
          <div class="buttons">
            <button class="primary" type="submit" disabled={busy || lock !== null || changed.length === 0 || hasErrors(errors)}>
              {changed.length === 0 ? "Save" : `Save ${changed.join(", ")}`}
            </button>
            <button
              type="button"
              onClick={() => {
                setEditing(false);
                setDraft(stored);
                setProblem(null);
              }}
            >
              Cancel
            </button>
          </div>
        </form>
      )}
    </Card>
  );
}

function download(bytes: Uint8Array, name: string) {
  const blob = new Blob([bytes.slice()], { type: "application/mbox" });
  const url = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** The work of an attempt: its commits, the files it changes, and the mbox to download. */
export function PatchPanel({ taskId, runs, status }: { taskId: bigint; runs: Run[]; status: TaskStatus | undefined }) {
  const { api, report } = useApp();
  const withWork = runs.filter((r) => r.commitCount > 0);
  const [attempt, setAttempt] = useState(0);
  const [patch, setPatch] = useState<GetTaskPatchResponse | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  // 0 follows the latest attempt with work, which moves as new attempts finish; the key moves when the task's status or
  // its attempts do (verification and delivery change what GetTaskPatch answers), so the patch is read again.
  const read = patchRead(runs, attempt, status);
  const wanted = read?.attempt ?? 0;
  const readKey = read?.key ?? "";

  useEffect(() => {
    if (wanted === 0) {
      return;
    }
    const abort = new AbortController();
    setLoading(true);
    api.tasks
      .getTaskPatch({ id: taskId, attempt: wanted }, { signal: abort.signal })
      .then((p) => {
        setPatch(p);
        setProblem(null);
      })
      .catch((err: unknown) => {
        if (!abort.signal.aborted) {
          setPatch(null);
          setProblem(report(err).message);
        }
      })
      .finally(() => {
        if (!abort.signal.aborted) {
          setLoading(false);
        }
      });
    return () => abort.abort();
  }, [api, taskId, wanted, readKey]);

  const summary = useMemo(() => (patch === null ? null : summarizePatch(patch.patchSeries, patch.statistics)), [patch]);

  return (
    <Card
      title="Patches"
      actions={
        withWork.length > 0 && (
          <span class="buttons">
            {withWork.length > 1 && (
              <select value={attempt} onChange={(e) => setAttempt(Number((e.currentTarget as HTMLSelectElement).value))} aria-label="attempt">
                <option value={0}>latest attempt with work</option>
                {withWork.map((r) => (
                  <option key={r.attempt} value={r.attempt}>
                    attempt #{r.attempt}
                  </option>
                ))}
              </select>
            )}
            <button
              disabled={patch === null || loading}
              onClick={() => patch !== null && download(patch.patchSeries, `task-${taskId}-attempt-${patch.attempt}.mbox`)}
            >
              Download patch (.mbox)
            </button>
          </span>
        )
      }
    >
      {withWork.length === 0 && <p class="muted">No attempt has produced commits yet.</p>}
      <ErrorBanner message={problem === null ? null : `load the patch: ${problem}`} />
      {loading && patch === null && <p class="muted">Loading…</p>}
      {patch !== null && summary !== null && (
        <>
          <p>
            Attempt #{patch.attempt} · {patch.commitCount} commit{patch.commitCount === 1 ? "" : "s"} on <code>{patch.baseCommit.slice(0, 12)}</code> ·{" "}
            <span class={patch.verified ? "tone-ok" : "tone-warn"}>{patch.verified ? "verified" : "not verified"}</span> ·{" "}
            <span class="tone-ok">+{summary.insertions}</span> <span class="tone-error">−{summary.deletions}</span> in {summary.files.length} file
            {summary.files.length === 1 ? "" : "s"}
            {summary.source === "series" && <span class="muted small"> (counted from the patch series; delivery has not measured it)</span>}
          </p>
          {summary.commits.length > 0 && (
            <ul class="plain commits">
              {summary.commits.map((c) => (
                <li key={c.sha}>
                  <code>{c.sha.slice(0, 10)}</code> {c.subject} <span class="muted small">{c.author}</span>
                </li>
              ))}
            </ul>
          )}
          <table class="grid files">
            <thead>
              <tr>
                <th>File</th>
                <th>Added</th>
                <th>Removed</th>
              </tr>
            </thead>
            <tbody>
              {summary.files.map((f) => (
                <tr key={f.path}>
                  <td class="wrap mono">{f.path}</td>
                  <td class="tone-ok">{f.binary ? "binary" : `+${f.insertions}`}</td>
                  <td class="tone-error">{f.binary ? "" : `−${f.deletions}`}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </Card>
  );
}
