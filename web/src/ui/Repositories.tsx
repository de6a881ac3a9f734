import { useEffect, useState } from "preact/hooks";
import { ForgeKind, type Repository } from "../gen/devserver/repositories/v1/repositories_pb";
import { DeliveryFlow } from "../gen/devserver/tasks/v1/tasks_pb";
import { FLOW_NAMES, type FieldErrors } from "../views/agentFields";
import { durationMs, formatDuration } from "../views/format";
import {
  FORGE_NAMES,
  STAGE_KEYS,
  buildAddRepositoryRequest,
  buildUpdateRepositoryRequest,
  detectedHints,
  emptyRepoForm,
  repoFormOf,
  validateRepoForm,
  type RepoForm,
  type TokenAction,
} from "../views/repoForm";
import { Card, ErrorBanner, PlaceholderRow } from "./common";
import { useApp } from "./context";
import { Check, Field, confirmed, enumOptions, hasErrors, valueOf } from "./forms";
import { useNow } from "./hooks";

/** Patch only is what an unspecified repository flow means (a task's unspecified flow means the repository's). */
const REPO_FLOWS: Record<DeliveryFlow, string> = { ...FLOW_NAMES, [DeliveryFlow.UNSPECIFIED]: "patch only (not set)" };

export function Repositories() {
  const { api, report } = useApp();
  const [repositories, setRepositories] = useState<Repository[] | null>(null);
  /** null: no form open; original null: adding. */
  const [editing, setEditing] = useState<{ original: Repository | null } | null>(null);
  const [form, setForm] = useState<RepoForm>(emptyRepoForm);
  const [errors, setErrors] = useState<FieldErrors>({});
  const [problem, setProblem] = useState<string | null>(null);
  const [formProblem, setFormProblem] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const now = useNow(30_000);

  async function load(signal?: AbortSignal) {
    try {
      const r = await api.repositories.listRepositories({}, { signal });
      setRepositories(r.repositories);
      return r.repositories;
    } catch (err) {
      if (signal?.aborted !== true) {
        setRepositories([]);
        setProblem(`load the repositories: ${report(err).message}`);
      }
      return [];
    }
  }

  useEffect(() => {
    const abort = new AbortController();
    void load(abort.signal);
    return () => abort.abort();
  }, [api]);

  function open(r: Repository | null) {
    setEditing({ original: r });
    setForm(r === null ? emptyRepoForm() : repoFormOf(r));
    setErrors({});
    setFormProblem(null);
    setNotice(null);
  }

  async function save(e: Event) {
    e.preventDefault();
    if (editing === null) {
      return;
    }
    const adding = editing.original === null;
    const found = validateRepoForm(form, adding);
    setErrors(found);
    if (hasErrors(found)) {
      setFormProblem("please correct the marked fields");
      return;
    }
    setBusy(true);
    try {
      if (editing.original === null) {
        await api.repositories.addRepository(buildAddRepositoryRequest(form));
        setNotice(`added ${form.name.trim()}`);
      } else {
        const { request, changed } = buildUpdateRepositoryRequest(editing.original, form);
        if (changed.length === 0) {
          setFormProblem("nothing changed");
          return;
        }
        await api.repositories.updateRepository(request);
        setNotice(`saved ${editing.original.name}: ${changed.join(", ")}`);
      }
      setEditing(null);
      setFormProblem(null);
      await load();
    } catch (err) {
      setFormProblem(`save the repository: ${report(err).message}`);
    } finally {
      setBusy(false);
    }
  }

  async function remove(r: Repository) {
    if (!confirmed(`Remove the repository "${r.name}"? Its tasks are removed with it (refused while one is queued, running or verifying).`)) {
      return;
    }
    setBusy(true);
    try {
      await api.repositories.removeRepository({ repository: String(r.id) });
      setNotice(`removed ${r.name}`);
      setProblem(null);
      if (editing?.original?.id === r.id) {
        setEditing(null);
      }
      await load();
    } catch (err) {
      setProblem(`remove the repository: ${report(err).message}`);
    } finally {
      setBusy(false);
    }
  }

  const update = (patch: Partial<RepoForm>) => setForm((f) => ({ ...f, ...patch }));
  const original = editing?.original ?? null;
  const hasToken = original?.delivery?.hasForgeToken ?? false;

  return (
    <main>
      <div class="page-title">
        <h1>Repositories</h1>
        <button class="primary" onClick={() => open(null)} disabled={busy}>
          Add repository
        </button>
      </div>
      <ErrorBanner message={problem} onClose={() => setProblem(null)} />
      {notice !== null && <p class="tone-ok">{notice}</p>}
      <table class="grid">
        <thead>
          <tr>
            <th>Name</th>
            <th>Location</th>
            <th>Branch</th>
            <th>Checks</th>
            <th>Delivery</th>
            <th>Forge token</th>
            <th>Attempts</th>
            <th>Attempt limit</th>
            <th />
          </tr>
        </thead>
        <tbody>
          <PlaceholderRow items={repositories} columns={9} empty={"No repositories yet."} />
          {repositories?.map((r) => {
            const c = r.commands;
            const stages = c === undefined ? [] : STAGE_KEYS.filter((k) => c[k] !== "");
            const detected = detectedHints(r, repoFormOf(r), now);
            return (
              <tr key={String(r.id)}>
                <td>{r.name}</td>
                <td class="wrap">{r.location}</td>
                <td>{r.defaultBranch}</td>
                <td>
                  {stages.length === 0 ? "none set" : stages.join(", ")}
                  {r.detectCommands && <span class="muted"> · detect</span>}
                  {STAGE_KEYS.map(
                    (k) =>
                      detected[k] !== undefined && (
                        <div key={k} class="muted small mono">
                          {k} {detected[k]}
                        </div>
                      ),
                  )}
                </td>
                <td>{REPO_FLOWS[r.delivery?.defaultFlow ?? DeliveryFlow.UNSPECIFIED]}</td>
                <td>{r.delivery?.hasForgeToken === true ? "set" : "—"}</td>
                <td>{r.maxAttempts}</td>
                <td>{formatDuration(durationMs(r.attemptTimeout))}</td>
                <td class="buttons">
                  <button onClick={() => open(r)} disabled={busy}>
                    Edit
                  </button>
                  <button onClick={() => void remove(r)} disabled={busy}>
                    Remove…
                  </button>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {editing !== null && (
        <form class="editor" onSubmit={(e) => void save(e)}>
          <Card title={original === null ? "Add a repository" : `Edit ${original.name}`}>
            <div class="pf-grid">
              <Field label="Name" error={errors.name} hint={original === null ? "a letter, then letters, digits, '.', '_' or '-'" : "cannot change"}>
                <input value={form.name} disabled={original !== null} maxLength={64} onInput={(e) => update({ name: valueOf(e) })} />
              </Field>
              <Field label="Location" error={errors.location} hint="a git URL (https://, ssh://, git://, file://) or an absolute folder path" wide>
                <input value={form.location} onInput={(e) => update({ location: valueOf(e) })} />
              </Field>
              <Field label="Default branch">
                <input value={form.defaultBranch} placeholder="main" onInput={(e) => update({ defaultBranch: valueOf(e) })} />
              </Field>
              <Field label="Attempts per task" error={errors.maxAttempts} hint="1–10; empty: 2">
                <input inputMode="numeric" value={form.maxAttempts} onInput={(e) => update({ maxAttempts: valueOf(e) })} />
              </Field>
              <Field label="Attempt time limit (minutes)" error={errors.attemptTimeoutMinutes} hint="empty: 60 (or unchanged)">
                <input inputMode="decimal" value={form.attemptTimeoutMinutes} onInput={(e) => update({ attemptTimeoutMinutes: valueOf(e) })} />
              </Field>
              <Field label="Stage time limit (minutes)" error={errors.stageTimeoutMinutes} hint="empty: 10 (or unchanged)">
                <input inputMode="decimal" value={form.stageTimeoutMinutes} onInput={(e) => update({ stageTimeoutMinutes: valueOf(e) })} />
              </Field>
            </div>
            <h3>Verification commands</h3>
            <p class="muted small">Run with /bin/sh -c in a checkout of the work; an empty one skips its stage (or is detected).</p>
            <div class="pf-grid">
              {STAGE_KEYS.map((k) => (
                <Field key={k} label={k} hint={original === null ? undefined : detectedHints(original, form, now)[k]}>
                  <input class="mono" value={form[k]} onInput={(e) => update({ [k]: valueOf(e) } as Partial<RepoForm>)} />
                </Field>
              ))}
              <Field label="Detection" wide group>
                <Check
                  label="detect the command of every empty stage from the checkout (package.json, *.sln, Cargo.toml, go.mod, Makefile, …)"
                  checked={form.detectCommands}
                  onChange={(v) => update({ detectCommands: v })}
                />
              </Field>
            </div>
            <h3>Delivery</h3>
            <div class="pf-grid">
              <Field label="Default flow">
                <select value={form.defaultFlow} onChange={(e) => update({ defaultFlow: Number(valueOf(e)) as DeliveryFlow })}>
                  {enumOptions(REPO_FLOWS)}
                </select>
              </Field>
              <Field label="Forge">
                <select value={form.forge} onChange={(e) => update({ forge: Number(valueOf(e)) as ForgeKind })}>
                  {enumOptions(FORGE_NAMES)}
                </select>
              </Field>
              <Field label="Forge API address" hint="empty: derived from the location">
                <input value={form.forgeApiUrl} disabled={form.forge === ForgeKind.NONE} onInput={(e) => update({ forgeApiUrl: valueOf(e) })} />
              </Field>
              <Field label="Forge repository" hint="owner/name; empty: derived from the location">
                <input value={form.forgeRepository} disabled={form.forge === ForgeKind.NONE} onInput={(e) => update({ forgeRepository: valueOf(e) })} />
              </Field>
              <Field label="Forge token" error={errors.token} hint={`write-only: never shown again. Stored now: ${hasToken ? "yes" : "no"}`} wide>
                <span class="token">
                  <select value={form.tokenAction} onChange={(e) => update({ tokenAction: valueOf(e) as TokenAction })}>
                    <option value="keep">{original === null ? "none" : hasToken ? "keep the stored token" : "keep (none stored)"}</option>
                    <option value="set">{hasToken ? "replace with…" : "set…"}</option>
                    {original !== null && hasToken && <option value="clear">clear the stored token</option>}
                  </select>
                  {form.tokenAction === "set" && (
                    <input type="password" autoComplete="off" value={form.token} placeholder="the token" aria-label="new forge token" onInput={(e) => update({ token: valueOf(e) })} />
                  )}
                </span>
              </Field>
            </div>
            <h3>Preflight gate</h3>
            <div class="pf-grid">
              <Field label="Deny paths" hint="globs, one per line; CI workflow files are always denied">
                <textarea rows={3} class="mono" value={form.denyPaths} onInput={(e) => update({ denyPaths: valueOf(e) })} />
              </Field>
              <Field label="Allow paths" hint="globs, one per line; when set, every touched path must match one">
                <textarea rows={3} class="mono" value={form.allowPaths} onInput={(e) => update({ allowPaths: valueOf(e) })} />
              </Field>
              <Field label="Allowed author e-mails" hint="one per line; empty: any">
                <textarea rows={2} value={form.allowedAuthorEmails} onInput={(e) => update({ allowedAuthorEmails: valueOf(e) })} />
              </Field>
              <Field label="Largest series (bytes)" error={errors.maxDiffBytes} hint="empty: 5 MiB">
                <input inputMode="numeric" value={form.maxDiffBytes} onInput={(e) => update({ maxDiffBytes: valueOf(e) })} />
              </Field>
              <Field label="Most files per delivery" error={errors.maxFiles} hint="empty: 300">
                <input inputMode="numeric" value={form.maxFiles} onInput={(e) => update({ maxFiles: valueOf(e) })} />
              </Field>
              <Field label="Lock files" wide group>
                <Check
                  label="allow lock-file changes (package-lock.json, yarn.lock, go.sum, Cargo.lock, …): dependency bumps can be delivered"
                  checked={form.allowLockFiles}
                  onChange={(v) => update({ allowLockFiles: v })}
                />
              </Field>
            </div>
            <ErrorBanner message={formProblem} onClose={() => setFormProblem(null)} />
            <div class="buttons">
              <button class="primary" type="submit" disabled={busy}>
                {original === null ? "Add repository" : "Save changes"}
              </button>
              <button type="button" onClick={() => setEditing(null)}>
                Close
              </button>
            </div>
          </Card>
        </form>
      )}
    </main>
  );
}
