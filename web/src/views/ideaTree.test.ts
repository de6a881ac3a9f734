import { describe, expect, it } from "vitest";
import { folder, idea } from "../test/pageFixtures";
import { ancestorsOf, buildIdeaTree, draftOf, findNode, ideaChanges, moveTargets, parentForNew, subtreeSize, visibleRows } from "./ideaTree";

// Work/            (1)
//   Backend/       (2)
//     Cache idea   (4)
//   Login idea     (3)
// Personal/        (5)
// Loose idea       (6)
const flat = [
  folder(1, 0, "Work"),
  folder(5, 0, "Personal", 1),
  idea(6, 0, "Loose idea", { sortOrder: 2 }),
  idea(3, 1, "Login idea", { sortOrder: 1 }),
  folder(2, 1, "Backend"),
  idea(4, 2, "Cache idea"),
];

const titles = (rows: { idea: { title: string }; depth: number }[]) => rows.map((r) => `${"  ".repeat(r.depth)}${r.idea.title}`);

describe("buildIdeaTree", () => {
  it("nests children under their folders, by sort order then title", () => {
    const roots = buildIdeaTree(flat);
    expect(titles(visibleRows(roots, new Set([1n, 2n, 5n])))).toEqual([
      "Work",
      "  Backend",
      "    Cache idea",
      "  Login idea",
      "Personal",
      "Loose idea",
    ]);
  });

  it("hides the contents of collapsed folders", () => {
    const roots = buildIdeaTree(flat);
    expect(titles(visibleRows(roots, new Set()))).toEqual(["Work", "Personal", "Loose idea"]);
    expect(titles(visibleRows(roots, new Set([1n])))).toEqual(["Work", "  Backend", "  Login idea", "Personal", "Loose idea"]);
  });

  it("does not depend on parents coming first", () => {
    expect(titles(visibleRows(buildIdeaTree([...flat].reverse()), new Set([1n, 2n])))).toEqual(
      titles(visibleRows(buildIdeaTree(flat), new Set([1n, 2n]))),
    );
  });

  it("keeps orphans, children of ideas and cycles at the top level instead of losing them", () => {
    const roots = buildIdeaTree([idea(10, 99, "orphan"), idea(11, 0, "note"), idea(12, 11, "under a note"), folder(13, 14, "a"), folder(14, 13, "b")]);
    const all = titles(visibleRows(roots, new Set([13n, 14n])));
    expect(all).toContain("orphan");
    expect(all).toContain("under a note");
    expect(all.filter((t) => t.trim() === "a")).toHaveLength(1);
    expect(all.filter((t) => t.trim() === "b")).toHaveLength(1);
  });
});

describe("subtreeSize and moveTargets", () => {
  it("counts an item and everything below it for the delete confirmation", () => {
    const roots = buildIdeaTree(flat);
    expect(subtreeSize(findNode(roots, 1n)!)).toBe(4);
    expect(subtreeSize(findNode(roots, 2n)!)).toBe(2);
    expect(subtreeSize(findNode(roots, 6n)!)).toBe(1);
    expect(findNode(roots, 77n)).toBeUndefined();
  });

  it("offers the top level and folders, never the item itself or its descendants", () => {
    const roots = buildIdeaTree(flat);
    expect(moveTargets(roots, 1n).map((t) => t.label)).toEqual(["Top level", "Personal"]);
    expect(moveTargets(roots, 4n).map((t) => t.label)).toEqual(["Top level", "Work", "Work / Backend", "Personal"]);
    expect(moveTargets(roots, 2n).map((t) => t.id)).toEqual([0n, 1n, 5n]);
  });

  it("lists the folders to open to show an item", () => {
    expect(ancestorsOf(flat, 4n)).toEqual([2n, 1n]);
    expect(ancestorsOf(flat, 6n)).toEqual([]);
  });
});

describe("ideaChanges and parentForNew", () => {
  it("sends only what changed, trimmed, and never content for a folder", () => {
    const note = idea(3, 1, "Login idea", { content: "text" });
    expect(ideaChanges(note, draftOf(note))).toEqual({});
    expect(ideaChanges(note, { ...draftOf(note), title: " Login " })).toEqual({ title: "Login" });
    expect(ideaChanges(note, { ...draftOf(note), content: "more", parentId: 0n })).toEqual({ content: "more", parentId: 0n });
    const dir = folder(1, 0, "Work");
    expect(ideaChanges(dir, { ...draftOf(dir), content: "ignored" })).toEqual({});
  });

  it("creates inside the selected folder, next to the selected idea, or at the top", () => {
    expect(parentForNew(flat, 2n)).toBe(2n);
    expect(parentForNew(flat, 4n)).toBe(2n);
    expect(parentForNew(flat, 6n)).toBe(0n);
    expect(parentForNew(flat, null)).toBe(0n);
    expect(parentForNew(flat, 99n)).toBe(0n);
  });
});
