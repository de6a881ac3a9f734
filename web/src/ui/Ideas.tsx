import { useEffect, useMemo, useState } from "preact/hooks";
import { IdeaKind, type Idea } from "../gen/devserver/ideas/v1/ideas_pb";
import { markdownToHtml } from "../lib/markdown";
import { ideaHref, newTaskHref } from "../lib/pages";
import { taskHref } from "../lib/route";
import {
  ancestorsOf,
  buildIdeaTree,
  draftOf,
  findNode,
  ideaChanges,
  moveTargets,
  parentForNew,
  subtreeSize,
  visibleRows,
  type IdeaDraft,
  type IdeaNode,
} from "../views/ideaTree";
import { formatTime } from "../views/format";
import { Card, ErrorBanner } from "./common";
import { useApp } from "./context";
import { Field, confirmed, valueOf } from "./forms";

type View = "edit" | "preview" | "both";

export function Ideas({ selected }: { selected: bigint | null }) {
  const { api, report } = useApp();
  const [ideas, setIdeas] = useState<Idea[] | null>(null);
  const [expanded, setExpanded] = useState<Set<bigint>>(() => new Set());
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [newTitle, setNewTitle] = useState("");

  async function load(signal?: AbortSignal): Promise<Idea[]> {
    try {
      const r = await api.ideas.listIdeas({}, { signal });
      setIdeas(r.ideas);
      return r.ideas;
    } catch (err) {
      if (signal?.aborted !== true) {
        setIdeas((old) => old ?? []);
        setProblem(`load the ideas: ${report(err).message}`);
      }
      return [];
    }
  }

  useEffect(() => {
    const abort = new AbortController();
    void load(abort.signal).then((list) => {
      // Open the folders above an item named in the address.
      if (selected !== null) {
        setExpanded((e) => new Set([...e, ...ancestorsOf(list, selected)]));
      }
    });
    return () => abort.abort();
  }, [api]);

  const roots = useMemo(() => buildIdeaTree(ideas ?? []), [ideas]);
  const rows = visibleRows(roots, expanded);
  const node = selected === null ? undefined : findNode(roots, selected);

  function toggle(id: bigint) {
    setExpanded((e) => {
      const next = new Set(e);
      if (next.has(id)) {
        next.delete(id);
      } else {
        next.add(id);
      }
      return next;
    });
  }

  async function createItem(kind: IdeaKind) {
    const title = newTitle.trim();
    if (title === "") {
      setProblem(`type the ${kind === IdeaKind.FOLDER ? "folder" : "idea"}'s title first`);
      return;
    }
    const parentId = parentForNew(ideas ?? [], selected);
    setBusy(true);
    try {
      const r = await api.ideas.createIdea({ parentId, kind, title });
      setNewTitle("");
      setProblem(null);
      await load();
      if (parentId !== 0n) {
        setExpanded((e) => new Set([...e, parentId]));
      }
      if (r.idea !== undefined) {
        location.hash = ideaHref(r.idea.id);
      }
    } catch (err) {
      setProblem(`create: ${report(err).message}`);
    } finally {
      setBusy(false);
    }
  }

  const parentLabel = (() => {
    const parent = parentForNew(ideas ?? [], selected);
    return parent === 0n ? "at the top level" : `in "${ideas?.find((i) => i.id === parent)?.title ?? ""}"`;
  })();

  return (
    <main>
      <div class="page-title">
        <h1>Ideas</h1>
      </div>
      <ErrorBanner message={problem} onClose={() => setProblem(null)} />
      <div class="ideas">
        <Card title="Tree">
          <form
            class="new-idea"
            onSubmit={(e) => {
              e.preventDefault();
              void createItem(IdeaKind.IDEA);
            }}
          >
            <input value={newTitle} placeholder="title" maxLength={256} onInput={(e) => setNewTitle(valueOf(e))} aria-label="new title" />
            <button type="submit" disabled={busy}>
              + Idea
            </button>
            <button type="button" disabled={busy} onClick={() => void createItem(IdeaKind.FOLDER)}>
              + Folder
            </button>
            <span class="muted small">{parentLabel}</span>
          </form>
          {ideas === null && <p class="muted">Loading…</p>}
          {ideas !== null && ideas.length === 0 && <p class="muted">No ideas yet: type a title and add one.</p>}
          <ul class="tree" role="tree">
            {rows.map((n) => (
              <TreeRow key={String(n.idea.id)} node={n} open={expanded.has(n.idea.id)} selected={n.idea.id === selected} onToggle={() => toggle(n.idea.id)} />
            ))}
          </ul>
          {selected !== null && (
            <p class="small">
              <a href="#/ideas">Deselect</a> (new items then go to the top level)
            </p>
          )}
        </Card>
        {node === undefined ? (
          <Card title="Idea">
            <p class="muted">{selected !== null && ideas !== null ? "There is no such idea (any more)." : "Choose an idea or folder in the tree."}</p>
          </Card>
        ) : (
          <IdeaEditor
            key={String(node.idea.id)}
            node={node}
            roots={roots}
            busy={busy}
            setBusy={setBusy}
            onChanged={async () => {
              await load();
            }}
            onDeleted={async () => {
              location.hash = "#/ideas";
              await load();
            }}
          />
        )}
      </div>
    </main>
  );
}

function TreeRow({ node, open, selected, onToggle }: { node: IdeaNode; open: boolean; selected: boolean; onToggle: () => void }) {
  const folder = node.idea.kind === IdeaKind.FOLDER;
  return (
    <li
      role="treeitem"
      aria-expanded={folder ? open : undefined}
      aria-selected={selected}
      class={`tree-row${selected ? " selected" : ""}`}
      style={{ paddingLeft: `${node.depth * 18 + 4}px` }}
    >
      {folder && node.children.length > 0 ? (
        <button class="link twisty" onClick={onToggle} aria-label={open ? "collapse" : "expand"}>
          {open ? "▾" : "▸"}
        </button>
      ) : (
        <span class="twisty" />
      )}
      <a href={ideaHref(node.idea.id)} class={folder ? "folder" : "note"}>
        {node.idea.title}
      </a>
      {folder && <span class="muted small"> {node.children.length}</span>}
      {node.idea.taskId !== 0n && <span class="badge small">task #{String(node.idea.taskId)}</span>}
    </li>
  );
}

function IdeaEditor({
  node,
  roots,
  busy,
  setBusy,
  onChanged,
  onDeleted,
}: {
  node: IdeaNode;
  roots: IdeaNode[];
  busy: boolean;
  setBusy: (b: boolean) => void;
  onChanged: () => Promise<void>;
  onDeleted: () => Promise<void>;
}) {
  const { api, report } = useApp();
  const idea = node.idea;
  const folder = idea.kind === IdeaKind.FOLDER;
  const [draft, setDraft] = useState<IdeaDraft>(() => draftOf(idea));
  // The value is read at once and merged into the latest draft, so quick successive edits never undo each other.
  const edit = (patch: Partial<IdeaDraft>) => setDraft((d) => ({ ...d, ...patch }));
  const [view, setView] = useState<View>("both");
  const [problem, setProblem] = useState<string | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const targets = useMemo(() => moveTargets(roots, idea.id), [roots, idea.id]);
  const changes = ideaChanges(idea, draft);
  const dirty = Object.keys(changes).length > 0;
  // The preview is rebuilt from the draft only: the renderer escapes every character of it.
  const preview = useMemo(() => (folder ? "" : markdownToHtml(draft.content)), [draft.content, folder]);

  async function save(e: Event) {
    e.preventDefault();
    if (!dirty) {
      return;
    }
    if (changes.title !== undefined && (changes.title === "" || changes.title.length > 256)) {
      setProblem("the title is 1–256 characters");
      return;
    }
    setBusy(true);
    try {
      await api.ideas.updateIdea({ id: idea.id, ...changes });
      setProblem(null);
      setSaved(`saved ${Object.keys(changes).join(", ").replace("parentId", "place")}`);
      await onChanged();
    } catch (err) {
      setProblem(`save: ${report(err).message}`);
    } finally {
      setBusy(false);
    }
  }

  async function remove() {
    const count = subtreeSize(node);
    const question = folder
      ? `Delete the folder "${idea.title}" and everything in it (${count} item${count === 1 ? "" : "s"} in all)? Tasks made from them stay.`
      : `Delete the idea "${idea.title}"?${idea.taskId !== 0n ? " Its task stays." : ""}`;
    if (!confirmed(question)) {
      return;
    }
    setBusy(true);
    try {
      await api.ideas.deleteIdea({ id: idea.id });
      await onDeleted();
    } catch (err) {
      setProblem(`delete: ${report(err).message}`);
    } finally {
      setBusy(false);
    }
  }

  return (
    <form onSubmit={(e) => void save(e)}>
      <Card
        title={folder ? "Folder" : "Idea"}
        actions={
          <span class="buttons">
            {!folder &&
              (idea.taskId !== 0n ? (
                <a class="button" href={taskHref(idea.taskId)}>
                  Task #{String(idea.taskId)}
                </a>
              ) : (
                <a class="button" href={newTaskHref({ idea: idea.id })}>
                  Convert to task
                </a>
              ))}
            <button type="button" disabled={busy} onClick={() => void remove()}>
              Delete…
            </button>
          </span>
        }
      >
        <div class="pf-grid">
          <Field label="Title">
            <input value={draft.title} maxLength={256} onInput={(e) => edit({ title: valueOf(e) })} />
          </Field>
          <Field label="In folder">
            <select value={String(draft.parentId)} onChange={(e) => edit({ parentId: BigInt(valueOf(e)) })}>
              {targets.map((t) => (
                <option key={String(t.id)} value={String(t.id)}>
                  {t.label}
                </option>
              ))}
            </select>
          </Field>
        </div>
        {!folder && (
          <>
            <div class="filters" role="group" aria-label="editor view">
              {(["edit", "both", "preview"] as const).map((v) => (
                <button type="button" key={v} class={`chip ${view === v ? "on" : ""}`} onClick={() => setView(v)} aria-pressed={view === v}>
                  {v === "both" ? "side by side" : v}
                </button>
              ))}
            </div>
            <div class={`md-editor view-${view}`}>
              {view !== "preview" && (
                <textarea
                  rows={18}
                  class="mono"
                  value={draft.content}
                  aria-label="content (markdown)"
                  onInput={(e) => edit({ content: valueOf(e) })}
                />
              )}
              {view !== "edit" && (
                // Safe: markdownToHtml escapes the whole input and only adds its own fixed tags.
                <div class="markdown" dangerouslySetInnerHTML={{ __html: preview }} />
              )}
            </div>
          </>
        )}
        {folder && <p class="muted">{node.children.length === 0 ? "Empty folder." : `${subtreeSize(node) - 1} items inside.`}</p>}
        <ErrorBanner message={problem} onClose={() => setProblem(null)} />
        {saved !== null && !dirty && <p class="tone-ok small">{saved}</p>}
        <div class="buttons">
          <button class="primary" type="submit" disabled={busy || !dirty}>
            Save
          </button>
          <button type="button" disabled={busy || !dirty} onClick={() => setDraft(draftOf(idea))}>
            Revert
          </button>
          {idea.updatedAt !== undefined && <span class="muted small">updated {formatTime(idea.updatedAt)}</span>}
        </div>
      </Card>
    </form>
  );
}
