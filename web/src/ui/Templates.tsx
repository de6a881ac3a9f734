import { useEffect, useState } from "preact/hooks";
import type { Repository } from "../gen/devserver/repositories/v1/repositories_pb";
import type { TaskTemplate } from "../gen/devserver/templates/v1/templates_pb";
import { newTaskHref } from "../lib/pages";
import type { FieldErrors } from "../views/agentFields";
import { buildTemplate, emptyTemplateForm, templateFormOf, templateRow, validateTemplateForm, type TemplateForm } from "../views/templateForm";
import { Card, ErrorBanner, PlaceholderRow } from "./common";
import { useApp } from "./context";
import { AgentFieldsEditor, Field, PrioritySelect, confirmed, hasErrors, valueOf } from "./forms";

/** null: no form open; 0n: a new template; else the id being edited. */
type Editing = bigint | null;

export function Templates() {
  const { api, report } = useApp();
  const [templates, setTemplates] = useState<TaskTemplate[] | null>(null);
  const [repositories, setRepositories] = useState<Repository[]>([]);
  const [editing, setEditing] = useState<Editing>(null);
  const [form, setForm] = useState<TemplateForm>(emptyTemplateForm);
  const [errors, setErrors] = useState<FieldErrors>({});
  const [problem, setProblem] = useState<string | null>(null);
  const [formProblem, setFormProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function load(signal?: AbortSignal) {
    try {
      const r = await api.templates.listTemplates({}, { signal });
      setTemplates(r.templates);
    } catch (err) {
      if (signal?.aborted !== true) {
        setTemplates([]);
        setProblem(`load the templates: ${report(err).message}`);
      }
    }
  }

  useEffect(() => {
    const abort = new AbortController();
    void load(abort.signal);
    api.repositories
      .listRepositories({}, { signal: abort.signal })
      .then((r) => setRepositories(r.repositories))
      .catch(() => {
        // The repository field then takes free text; the server checks the name when a task is made.
      });
    return () => abort.abort();
  }, [api]);

  function open(t: TaskTemplate | null) {
    setEditing(t === null ? 0n : t.id);
    setForm(t === null ? emptyTemplateForm() : templateFormOf(t));
    setErrors({});
    setFormProblem(null);
  }

  async function save(e: Event) {
    e.preventDefault();
    if (editing === null) {
      return;
    }
    const found = validateTemplateForm(form);
    setErrors(found);
    if (hasErrors(found)) {
      setFormProblem("please correct the marked fields");
      return;
    }
    setBusy(true);
    try {
      const template = buildTemplate(form, editing);
      if (editing === 0n) {
        await api.templates.createTemplate({ template });
      } else {
        await api.templates.updateTemplate({ template });
      }
      setEditing(null);
      setFormProblem(null);
      await load();
    } catch (err) {
      setFormProblem(`save the template: ${report(err).message}`);
    } finally {
      setBusy(false);
    }
  }

  async function remove(t: TaskTemplate) {
    if (!confirmed(`Delete the template "${t.name}"? Tasks made from it keep their values.`)) {
      return;
    }
    setBusy(true);
    try {
      await api.templates.deleteTemplate({ id: t.id });
      if (editing === t.id) {
        setEditing(null);
      }
      setProblem(null);
      await load();
    } catch (err) {
      setProblem(`delete the template: ${report(err).message}`);
    } finally {
      setBusy(false);
    }
  }

  const update = (patch: Partial<TemplateForm>) => setForm((f) => ({ ...f, ...patch }));

  return (
    <main>
      <div class="page-title">
        <h1>Templates</h1>
        <button class="primary" onClick={() => open(null)} disabled={busy}>
          New template
        </button>
      </div>
      <p class="muted">Presets for new tasks: choosing one on the new-task page fills the form with its fields.</p>
      <ErrorBanner message={problem} onClose={() => setProblem(null)} />
      <table class="grid">
        <thead>
          <tr>
            <th>Name</th>
            <th>Flow</th>
            <th>Vendor/model</th>
            <th>Billing</th>
            <th>Turns</th>
            <th />
          </tr>
        </thead>
        <tbody>
          <PlaceholderRow items={templates} columns={6} empty={"No templates yet."} />
          {templates?.map((t) => {
            const row = templateRow(t);
            return (
              <tr key={String(t.id)} class={editing === t.id ? "selected" : ""}>
                <td>{row.name}</td>
                <td>{row.flow}</td>
                <td>{row.vendorModel}</td>
                <td>{row.billing}</td>
                <td>{row.turns}</td>
                <td class="buttons">
                  <a class="button" href={newTaskHref({ template: t.id })}>
                    Use
                  </a>
                  <button onClick={() => open(t)} disabled={busy}>
                    Edit
                  </button>
                  <button onClick={() => void remove(t)} disabled={busy}>
                    Delete…
                  </button>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {editing !== null && (
        <form onSubmit={(e) => void save(e)} class="editor">
          <Card title={editing === 0n ? "New template" : `Edit template "${templates?.find((t) => t.id === editing)?.name ?? ""}"`}>
            <div class="pf-grid">
              <Field label="Name" error={errors.name}>
                <input value={form.name} maxLength={100} onInput={(e) => update({ name: valueOf(e) })} />
              </Field>
              <Field label="Repository" hint="empty: the task's own">
                <input list="template-repositories" value={form.repository} onInput={(e) => update({ repository: valueOf(e) })} />
                <datalist id="template-repositories">
                  {repositories.map((r) => (
                    <option key={String(r.id)} value={r.name} />
                  ))}
                </datalist>
              </Field>
              <Field label="Priority">
                <PrioritySelect allowNone value={form.priority} onChange={(p) => update({ priority: p })} />
              </Field>
              <Field label="Labels" error={errors.labels} hint="comma separated">
                <input value={form.labels} onInput={(e) => update({ labels: valueOf(e) })} />
              </Field>
              <Field label="Description" wide hint="empty: the task's own">
                <textarea rows={5} value={form.description} onInput={(e) => update({ description: valueOf(e) })} />
              </Field>
              <Field label="Acceptance" wide>
                <textarea rows={3} value={form.acceptance} onInput={(e) => update({ acceptance: valueOf(e) })} />
              </Field>
            </div>
            <h3>Agent</h3>
            <AgentFieldsEditor forTemplate value={form.agent} errors={errors} onChange={(patch) => setForm((f) => ({ ...f, agent: { ...f.agent, ...patch } }))} />
            <ErrorBanner message={formProblem} onClose={() => setFormProblem(null)} />
            <div class="buttons">
              <button class="primary" type="submit" disabled={busy}>
                {editing === 0n ? "Create template" : "Save template"}
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
