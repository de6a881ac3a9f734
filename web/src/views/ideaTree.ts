// The ideas page's tree: built from ListIdeas' flat list, shown with collapsible folders, with the folders an
// item may move to (never itself or its own descendants) and the count a recursive delete removes.
import { IdeaKind, type Idea } from "../gen/devserver/ideas/v1/ideas_pb";

export interface IdeaNode {
  idea: Idea;
  depth: number;
  children: IdeaNode[];
}

/** The server's order: sort order, then title. */
function bySortThenTitle(a: IdeaNode, b: IdeaNode): number {
  if (a.idea.sortOrder !== b.idea.sortOrder) {
    return a.idea.sortOrder - b.idea.sortOrder;
  }
  return a.idea.title.localeCompare(b.idea.title);
}

/**
 * Roots of the tree. The server sends parents before children, but nothing here depends on it: an item whose
 * parent is missing (or is not a folder, or would close a cycle) is shown at the top level rather than lost.
 */
export function buildIdeaTree(flat: readonly Idea[]): IdeaNode[] {
  const nodes = new Map<bigint, IdeaNode>();
  for (const idea of flat) {
    nodes.set(idea.id, { idea, depth: 0, children: [] });
  }
  const roots: IdeaNode[] = [];
  for (const node of nodes.values()) {
    const parent = node.idea.parentId === 0n ? undefined : nodes.get(node.idea.parentId);
    if (parent === undefined || parent.idea.kind !== IdeaKind.FOLDER || closesCycle(nodes, node.idea)) {
      roots.push(node);
    } else {
      parent.children.push(node);
    }
  }
  const visit = (list: IdeaNode[], depth: number) => {
    list.sort(bySortThenTitle);
    for (const n of list) {
      n.depth = depth;
      visit(n.children, depth + 1);
    }
  };
  visit(roots, 0);
  return roots;
}

function closesCycle(nodes: Map<bigint, IdeaNode>, idea: Idea): boolean {
  const seen = new Set<bigint>([idea.id]);
  let parent = idea.parentId;
  while (parent !== 0n) {
    if (seen.has(parent)) {
      return true;
    }
    seen.add(parent);
    const next = nodes.get(parent);
    if (next === undefined) {
      return false;
    }
    parent = next.idea.parentId;
  }
  return false;
}

/** The rows on screen: depth-first, skipping the contents of collapsed folders. */
export function visibleRows(roots: readonly IdeaNode[], expanded: ReadonlySet<bigint>): IdeaNode[] {
  const out: IdeaNode[] = [];
  const walk = (list: readonly IdeaNode[]) => {
    for (const n of list) {
      out.push(n);
      if (n.children.length > 0 && expanded.has(n.idea.id)) {
        walk(n.children);
      }
    }
  };
  walk(roots);
  return out;
}

export function findNode(roots: readonly IdeaNode[], id: bigint): IdeaNode | undefined {
  for (const n of roots) {
    if (n.idea.id === id) {
      return n;
    }
    const found = findNode(n.children, id);
    if (found !== undefined) {
      return found;
    }
  }
  return undefined;
}

/** How many items DeleteIdea removes: the item and everything under it. */
export function subtreeSize(node: IdeaNode): number {
  return 1 + node.children.reduce((sum, c) => sum + subtreeSize(c), 0);
}

export interface MoveTarget {
  /** 0n: the top level. */
  id: bigint;
  /** "Top level", or the folder's path "Work / Backend". */
  label: string;
}

/** Where an item may move: the top level and every folder except itself and its descendants. */
export function moveTargets(roots: readonly IdeaNode[], moving: bigint): MoveTarget[] {
  const out: MoveTarget[] = [{ id: 0n, label: "Top level" }];
  const walk = (list: readonly IdeaNode[], path: string) => {
    for (const n of list) {
      if (n.idea.id === moving || n.idea.kind !== IdeaKind.FOLDER) {
        continue;
      }
      const label = path === "" ? n.idea.title : `${path} / ${n.idea.title}`;
      out.push({ id: n.idea.id, label });
      walk(n.children, label);
    }
  };
  walk(roots, "");
  return out;
}

/** The folders to open so that an item is visible. */
export function ancestorsOf(flat: readonly Idea[], id: bigint): bigint[] {
  const byId = new Map(flat.map((i) => [i.id, i]));
  const out: bigint[] = [];
  let current = byId.get(id)?.parentId ?? 0n;
  while (current !== 0n && !out.includes(current)) {
    out.push(current);
    current = byId.get(current)?.parentId ?? 0n;
  }
  return out;
}

export interface IdeaDraft {
  title: string;
  content: string;
  parentId: bigint;
}

export function draftOf(idea: Idea): IdeaDraft {
  return { title: idea.title, content: idea.content, parentId: idea.parentId };
}

/** UpdateIdea's fields for what the draft changed (unset fields keep their value); empty when nothing did. */
export function ideaChanges(idea: Idea, draft: IdeaDraft): { title?: string; content?: string; parentId?: bigint } {
  const changes: { title?: string; content?: string; parentId?: bigint } = {};
  const title = draft.title.trim();
  if (title !== idea.title) {
    changes.title = title;
  }
  // Folders have no content.
  if (idea.kind === IdeaKind.IDEA && draft.content !== idea.content) {
    changes.content = draft.content;
  }
  if (draft.parentId !== idea.parentId) {
    changes.parentId = draft.parentId;
  }
  return changes;
}

/** Where "new folder" / "new idea" puts the item: in the selected folder, else next to the selected idea. */
export function parentForNew(flat: readonly Idea[], selected: bigint | null): bigint {
  const item = selected === null ? undefined : flat.find((i) => i.id === selected);
  if (item === undefined) {
    return 0n;
  }
  return item.kind === IdeaKind.FOLDER ? item.id : item.parentId;
}
