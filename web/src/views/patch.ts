// The patches panel: the commits of a `git format-patch` mbox (GetTaskPatch.patch_series) and the lines each
// file gains and loses. GetTaskPatch's statistics are used when delivery has measured them; before that, the
// counts come from the series' own hunks.
import type { DiffStatistics, Run, TaskStatus } from "../gen/devserver/tasks/v1/tasks_pb";

export interface PatchCommit {
  sha: string;
  subject: string;
  author: string;
  date: string;
}

export interface PatchFile {
  path: string;
  insertions: number;
  deletions: number;
  binary: boolean;
}

export interface PatchSummary {
  commits: PatchCommit[];
  files: PatchFile[];
  insertions: number;
  deletions: number;
  /** "server" when delivery measured the series; "series" when counted from the hunks here. */
  source: "server" | "series";
}

/** RFC 2047 encoded words (=?UTF-8?q?...?= and =?UTF-8?b?...?=), as git writes non-ASCII subjects and names. */
export function decodeHeader(value: string): string {
  return value
    .replace(/(\?=)\s+(=\?)/g, "$1$2")
    .replace(/=\?([^?]+)\?([qQbB])\?([^?]*)\?=/g, (whole, charset: string, encoding: string, text: string) => {
      try {
        let bytes: Uint8Array;
        if (encoding.toLowerCase() === "b") {
          bytes = Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
        } else {
          const raw = text.replace(/_/g, " ").replace(/=([0-9A-Fa-f]{2})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16)));
          bytes = Uint8Array.from(raw, (c) => c.charCodeAt(0));
        }
        return new TextDecoder(charset.toLowerCase()).decode(bytes);
      } catch {
        return whole;
      }
    });
}

const FROM_LINE = /^From ([0-9a-f]{7,64}) /;
const HUNK = /^@@ -\d+(?:,(\d+))? \+\d+(?:,(\d+))? @@/;

export function parseMbox(text: string): { commits: PatchCommit[]; files: PatchFile[] } {
  const lines = text.replace(/\r\n/g, "\n").split("\n");
  const commits: PatchCommit[] = [];
  const files = new Map<string, PatchFile>();
  let commit: PatchCommit | null = null;
  let inHeaders = false;
  let lastHeader = "";
  let file: PatchFile | null = null;
  let oldLeft = 0;
  let newLeft = 0;

  const fileFor = (path: string): PatchFile => {
    let f = files.get(path);
    if (f === undefined) {
      f = { path, insertions: 0, deletions: 0, binary: false };
      files.set(path, f);
    }
    return f;
  };

  for (const line of lines) {
    // Inside a hunk every line belongs to it, whatever it looks like, until the hunk's line counts are used up.
    if (oldLeft > 0 || newLeft > 0) {
      if (line.startsWith("+")) {
        newLeft--;
        if (file !== null) {
          file.insertions++;
        }
      } else if (line.startsWith("-")) {
        oldLeft--;
        if (file !== null) {
          file.deletions++;
        }
      } else if (line.startsWith("\\")) {
        // "\ No newline at end of file"
      } else {
        oldLeft--;
        newLeft--;
      }
      continue;
    }
    const from = FROM_LINE.exec(line);
    if (from !== null) {
      commit = { sha: from[1] ?? "", subject: "", author: "", date: "" };
      commits.push(commit);
      inHeaders = true;
      lastHeader = "";
      file = null;
      continue;
    }
    if (commit !== null && inHeaders) {
      if (line === "") {
        inHeaders = false;
        commit.subject = decodeHeader(commit.subject.replace(/^\[PATCH[^\]]*\]\s*/, ""));
        commit.author = decodeHeader(commit.author);
        continue;
      }
      if (/^\s/.test(line) && lastHeader !== "") {
        // A folded header continues on the next line.
        if (lastHeader === "subject") {
          commit.subject += ` ${line.trim()}`;
        } else if (lastHeader === "from") {
          commit.author += ` ${line.trim()}`;
        }
        continue;
      }
      const header = /^([A-Za-z-]+):\s?(.*)$/.exec(line);
      lastHeader = header?.[1]?.toLowerCase() ?? "";
      if (lastHeader === "subject") {
        commit.subject = header?.[2] ?? "";
      } else if (lastHeader === "from") {
        commit.author = header?.[2] ?? "";
      } else if (lastHeader === "date") {
        commit.date = header?.[2] ?? "";
      }
      continue;
    }
    const diff = /^diff --git a\/(.*) b\/(.*)$/.exec(line);
    if (diff !== null) {
      file = fileFor(diff[2] ?? diff[1] ?? "");
      continue;
    }
    if (file === null) {
      continue;
    }
    if (line.startsWith("+++ b/")) {
      const path = line.slice(6);
      if (path !== file.path) {
        // Paths with spaces make the diff line ambiguous; the +++ line is not.
        const counted = file;
        files.delete(counted.path);
        file = fileFor(path);
        file.insertions += counted.insertions;
        file.deletions += counted.deletions;
      }
      continue;
    }
    if (line.startsWith("Binary files ") || line === "GIT binary patch") {
      file.binary = true;
      continue;
    }
    const hunk = HUNK.exec(line);
    if (hunk !== null) {
      oldLeft = hunk[1] === undefined ? 1 : Number(hunk[1]);
      newLeft = hunk[2] === undefined ? 1 : Number(hunk[2]);
    }
  }
  return { commits, files: [...files.values()] };
}

export function summarizePatch(series: Uint8Array, statistics: DiffStatistics | undefined): PatchSummary {
  const parsed = parseMbox(new TextDecoder().decode(series));
  if (statistics !== undefined) {
    return {
      commits: parsed.commits,
      files: statistics.files.map((f) => ({ path: f.path, insertions: f.insertions, deletions: f.deletions, binary: f.binary })),
      insertions: statistics.insertions,
      deletions: statistics.deletions,
      source: "server",
    };
  }
  return {
    commits: parsed.commits,
    files: parsed.files,
    insertions: parsed.files.reduce((s, f) => s + f.insertions, 0),
    deletions: parsed.files.reduce((s, f) => s + f.deletions, 0),
    source: "series",
  };
}

/** Which attempt's patch the panel shows, and when to read it again. */
export interface PatchRead {
  attempt: number;
  /** Changes whenever what GetTaskPatch answers may have changed; the panel re-reads the patch when it does. */
  key: string;
}

type RunFacts = Pick<Run, "attempt" | "outcome" | "commitCount">;

/**
 * The panel's read of GetTaskPatch: `chosen` 0 follows the latest attempt with work. A patch read while the task is
 * still verifying or delivering says "not verified" and has no statistics, so the read is keyed on the task's status,
 * the last attempt and the chosen attempt's outcome: reaching done (or a new attempt) reads it again. Null when no
 * attempt has produced commits.
 */
export function patchRead(runs: readonly RunFacts[], chosen: number, status: TaskStatus | undefined): PatchRead | null {
  const withWork = runs.filter((r) => r.commitCount > 0);
  const attempt = chosen === 0 ? (withWork[withWork.length - 1]?.attempt ?? 0) : chosen;
  if (attempt === 0) {
    return null;
  }
  const run = runs.find((r) => r.attempt === attempt);
  const last = runs[runs.length - 1];
  const parts = [attempt, status ?? "", last?.attempt ?? 0, last?.outcome ?? "", run?.outcome ?? "", run?.commitCount ?? 0];
  return { attempt, key: parts.join(":") };
}
