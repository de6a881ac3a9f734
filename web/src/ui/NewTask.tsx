import { useEffect, useState } from "preact/hooks";
import { IdeaKind, type Idea } from "../gen/devserver/ideas/v1/ideas_pb";
import type { Repository } from "../gen/devserver/repositories/v1/repositories_pb";
import type { TaskTemplate } from "../gen/devserver/templates/v1/templates_pb";
import { ideaHref } from "../lib/pages";
import { taskHref } from "../lib/route";
import type { FieldErrors } from "../views/agentFields";
import { applyIdea, applyTemplate, buildCreateTaskRequest, emptyTaskForm, validateTaskForm, type EnqueueChoice, type TaskForm } from "../views/taskForm";
import { Card, ErrorBanner } from "./common";
import { useApp } from "./context";
import { AgentFieldsEditor, Field, PrioritySelect, hasErrors, valueOf } from "./forms";

const ENQUEUE_CHOICES: { value: EnqueueChoice; label: string }[] = [
  { value: "auto", label: "follow the auto-enqueue setting" },
  { value: "now", label: "enqueue now" },
  { value: "pending", label: "leave pending" },
];

export function NewTask({ template, idea }: { template: string; idea: bigint | null }) {
  const { api, report } = useApp();
  const [form, setForm] = useState<TaskForm>(emptyTaskForm);
  const [repositories, setRepositories] = useState<Repository[] | null>(null);
  const [templates, setTemplates] = useState<TaskTemplate[]>([]);
  const [templateId, setTemplateId] = useState<string>("");
  const [source, setSource] = useState<Idea | null>(null);
  const [errors, setErrors] = useState<FieldErrors>({});
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    const abort = new AbortController();
    const signal = abort.signal;
    const fail = (what: string) => (err: unknown) => {
      if (!signal.aborted) {
        setProblem(`${what}: ${report(err).message}`);
      }
    };
    api.repositories
      .listRepositories({}, { signal })
      .then((r) => {
        setRepositories(r.repositories);
        // One repository: nothing to choose.
        const only = r.repositories.length === 1 ? r.repositories[0] : undefined;
        if (only !== undefined) {
          setForm((f) => (f.repository === "" ? { ...f, repository: only.name } : f));
        }
      })
      .catch((err: unknown) => {
        setRepositories([]);
        fail("load the repositories")(err);
      });
    api.templates
      .listTemplates({}, { signal })
      .then((r) => {
        setTemplates(r.templates);
        if (template !== "") {
          const chosen = r.templates.find((t) => String(t.id) === template || t.name === template);
          if (chosen === undefined) {
            setProblem(`there is no template ${template}`);
          } else {
            setTemplateId(String(chosen.id));
            setForm((f) => applyTemplate(f, chosen));
          }
        }
      })
      .catch(fail("load the templates"));
    if (idea !== null) {
      api.ideas
        .getIdea({ id: idea }, { signal })
        .then((r) => {
          const found = r.idea;
          if (found !== undefined) {
            setSource(found);
            setForm((f) => applyIdea(f, found));
          }
        })
        .catch(fail("load the idea"));
    }
    return () => abort.abort();
  }, [api, template, idea]);

  const update = (patch: Partial<TaskForm>) => setForm((f) => ({ ...f, ...patch }));

  function chooseTemplate(id: string) {
    setTemplateId(id);
    const t = templates.find((x) => String(x.id) === id);
    if (t !== undefined) {
      setForm((f) => applyTemplate(f, t));
    }
  }

  async function submit(e: Event) {
    e.preventDefault();
    const found = validateTaskForm(form, idea !== null);
    setErrors(found);
    if (hasErrors(found)) {
      setProblem("please correct the marked fields");
      return;
    }
    setBusy(true);
    setProblem(null);
    try {
      const request = buildCreateTaskRequest(form);
      const created =
        idea !== null ? (await api.ideas.convertIdeaToTask({ id: idea, task: request })).task : (await api.tasks.createTask(request)).task;
      if (created !== undefined) {
        location.hash = taskHref(created.id);
      }
    } catch (err) {
      setProblem(`${idea !== null ? "convert the idea" : "create the task"}: ${report(err).message}`);
    } finally {
      setBusy(false);
    }
  }

  const repoNames = repositories?.map((r) => r.name) ?? [];
  const unknownRepo = form.repository !== "" && repositories !== null && !repoNames.includes(form.repository);

  return (
    <main>
      <div class="page-title">
        <h1>
          <a href="#/tasks" class="muted">
            Tasks
          </a>{" "}
          / {idea !== null ? "Convert an idea to a task" : "New task"}
        </h1>
      </div>
      {source !== null && (
        <p class="muted">
          From the idea <a href={ideaHref(source.id)}>{source.title}</a>; the idea will link to the new task.
        </p>
      )}
      {source !== null && source.kind === IdeaKind.FOLDER && <p class="tone-warn">This is a folder: only an idea can become a task.</p>}
      {source !== null && source.taskId !== 0n && (
        <p class="tone-warn">
          This idea is already linked to <a href={taskHref(source.taskId)}>task #{String(source.taskId)}</a>: converting it again is refused while
          that task exists.
        </p>
      )}
      <form class="two-pane" onSubmit={(e) => void submit(e)}>
        <div>
          <Card title="Task">
            <div class="pf-grid">
              <Field label="Template" hint="pre-fills the form; what you see is what is sent">
                <select value={templateId} onChange={(e) => chooseTemplate(valueOf(e))}>
                  <option value="">— none —</option>
                  {templates.map((t) => (
                    <option key={String(t.id)} value={String(t.id)}>
                      {t.name}
                    </option>
                  ))}
                </select>
              </Field>
              <Field
                label="Repository"
                error={errors.repository ?? (unknownRepo ? `there is no repository ${form.repository}` : undefined)}
                hint={repositories !== null && repositories.length === 0 ? <a href="#/repositories">add a repository first</a> : undefined}
              >
                <select value={form.repository} onChange={(e) => update({ repository: valueOf(e) })}>
                  <option value="">{repositories === null ? "loading…" : "— choose —"}</option>
                  {unknownRepo && <option value={form.repository}>{form.repository}</option>}
                  {repoNames.map((n) => (
                    <option key={n} value={n}>
                      {n}
                    </option>
                  ))}
                </select>
              </Field>
              <Field label="Title" error={errors.title} hint={idea !== null ? "empty: the idea's title" : undefined} wide>
                <input value={form.title} maxLength={200} onInput={(e) => update({ title: valueOf(e) })} />
              </Field>
              <Field label="Description" error={errors.description} hint={idea !== null ? "empty: the idea's content" : "markdown"} wide>
                <textarea rows={8} value={form.description} onInput={(e) => update({ description: valueOf(e) })} />
              </Field>
              <Field label="Acceptance" error={errors.acceptance} hint="how to tell the work is done" wide>
                <textarea rows={3} value={form.acceptance} onInput={(e) => update({ acceptance: valueOf(e) })} />
              </Field>
              <Field label="Priority">
                <PrioritySelect value={form.priority} onChange={(p) => update({ priority: p })} />
              </Field>
              <Field label="Labels" error={errors.labels} hint="comma separated">
                <input value={form.labels} onInput={(e) => update({ labels: valueOf(e) })} />
              </Field>
            </div>
          </Card>
          <Card title="Agent">
            <AgentFieldsEditor value={form.agent} errors={errors} onChange={(patch) => setForm((f) => ({ ...f, agent: { ...f.agent, ...patch } }))} />
          </Card>
        </div>
        <aside>
          <Card title={idea !== null ? "Convert" : "Create"}>
            <fieldset class="radios">
              <legend class="pf-label">When created</legend>
              {ENQUEUE_CHOICES.map((c) => (
                <label key={c.value} class="pf-check">
                  <input type="radio" name="enqueue" checked={form.enqueue === c.value} onChange={() => update({ enqueue: c.value })} /> {c.label}
                </label>
              ))}
            </fieldset>
            <ErrorBanner message={problem} onClose={() => setProblem(null)} />
            <div class="buttons">
              <button class="primary" type="submit" disabled={busy}>
                {busy ? "Sending…" : idea !== null ? "Convert to task" : "Create task"}
              </button>
              <a href="#/tasks">Cancel</a>
            </div>
          </Card>
        </aside>
      </form>
    </main>
  );
}
