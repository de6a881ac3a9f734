import { create } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { DiffStatisticsSchema, RunOutcome, TaskStatus } from "../gen/devserver/tasks/v1/tasks_pb";
import { decodeHeader, parseMbox, patchRead, summarizePatch } from "./patch";

// Two commits as `git format-patch --stdout` writes them, including a removed line that reads "-- " and a
// folded, encoded subject.
const MBOX = [
  "From 1111111111111111111111111111111111111111 Mon Sep 17 00:00:00 2001",
  "From: Agent <agent@example.com>",
  "Date: Sat, 21 Nov 2026 08:00:00 +0000",
  "Subject: [PATCH 1/2] Add the login form",
  "",
  "Body text.",
  "---",
  " src/login.ts | 3 ++-",
  " 1 file changed, 2 insertions(+), 1 deletion(-)",
  "",
  "diff --git a/src/login.ts b/src/login.ts",
  "index 000..111 100644",
  "--- a/src/login.ts",
  "+++ b/src/login.ts",
  "@@ -1,3 +1,4 @@",
  " keep",
  "-- old",
  "+new one",
  "+new two",
  " keep",
  "-- ",
  "2.45.0",
  "",
  "From 2222222222222222222222222222222222222222 Mon Sep 17 00:00:00 2001",
  "From: =?UTF-8?q?J=C3=B6rg?= <j@example.com>",
  "Date: Sat, 21 Nov 2026 09:00:00 +0000",
  "Subject: [PATCH 2/2] =?UTF-8?q?Caf=C3=A9?= support and a very long subject",
  " that is folded",
  "",
  "diff --git a/src/login.ts b/src/login.ts",
  "--- a/src/login.ts",
  "+++ b/src/login.ts",
  "@@ -2 +2 @@",
  "-new one",
  "+newer one",
  "\\ No newline at end of file",
  "diff --git a/logo.png b/logo.png",
  "new file mode 100644",
  "Binary files /dev/null and b/logo.png differ",
  "diff --git a/docs/read me.md b/docs/read me.md",
  "new file mode 100644",
  "--- /dev/null",
  "+++ b/docs/read me.md",
  "@@ -0,0 +1,2 @@",
  "+# Title",
  "+text",
  "-- ",
  "2.45.0",
  "",
].join("\n");

describe("parseMbox", () => {
  it("lists the commits with decoded subjects and authors", () => {
    const { commits } = parseMbox(MBOX);
    expect(commits).toEqual([
      { sha: "1111111111111111111111111111111111111111", subject: "Add the login form", author: "Agent <agent@example.com>", date: "Sat, 21 Nov 2026 08:00:00 +0000" },
      {
        sha: "2222222222222222222222222222222222222222",
        subject: "Café support and a very long subject that is folded",
        author: "Jörg <j@example.com>",
        date: "Sat, 21 Nov 2026 09:00:00 +0000",
      },
    ]);
  });

  it("counts added and removed lines per file over the series, by the hunks' own lengths", () => {
    expect(parseMbox(MBOX).files).toEqual([
      { path: "src/login.ts", insertions: 3, deletions: 2, binary: false },
      { path: "logo.png", insertions: 0, deletions: 0, binary: true },
      { path: "docs/read me.md", insertions: 2, deletions: 0, binary: false },
    ]);
  });

  it("decodes base64 encoded words and leaves plain text alone", () => {
    expect(decodeHeader("=?utf-8?b?SsO2cmc=?= <j@x>")).toBe("Jörg <j@x>");
    expect(decodeHeader("plain")).toBe("plain");
  });
});

describe("summarizePatch", () => {
  const bytes = new TextEncoder().encode(MBOX);
  it("counts from the series before delivery measured it", () => {
    const s = summarizePatch(bytes, undefined);
    expect(s.source).toBe("series");
    expect([s.insertions, s.deletions]).toEqual([5, 2]);
    expect(s.commits).toHaveLength(2);
  });
  it("prefers the server's statistics when present", () => {
    const stats = create(DiffStatisticsSchema, { filesChanged: 1, insertions: 7, deletions: 1, files: [{ path: "a.ts", insertions: 7, deletions: 1 }] });
    const s = summarizePatch(bytes, stats);
    expect(s.source).toBe("server");
    expect(s.files).toEqual([{ path: "a.ts", insertions: 7, deletions: 1, binary: false }]);
    expect([s.insertions, s.deletions]).toEqual([7, 1]);
  });
});

describe("patchRead", () => {
  const running = [{ attempt: 1, outcome: RunOutcome.RUNNING, commitCount: 1 }];
  const succeeded = [{ attempt: 1, outcome: RunOutcome.SUCCEEDED, commitCount: 1 }];

  it("reads nothing while no attempt has commits", () => {
    expect(patchRead([], 0, TaskStatus.RUNNING)).toBeNull();
    expect(patchRead([{ attempt: 1, outcome: RunOutcome.RUNNING, commitCount: 0 }], 0, TaskStatus.RUNNING)).toBeNull();
  });

  it("follows the latest attempt with work unless one is chosen", () => {
    const runs = [
      { attempt: 1, outcome: RunOutcome.FAILED, commitCount: 2 },
      { attempt: 2, outcome: RunOutcome.FAILED, commitCount: 0 },
      { attempt: 3, outcome: RunOutcome.SUCCEEDED, commitCount: 1 },
    ];
    expect(patchRead(runs, 0, TaskStatus.DONE)?.attempt).toBe(3);
    expect(patchRead(runs, 1, TaskStatus.DONE)?.attempt).toBe(1);
  });

  it("reads again when the task goes from verifying through delivering to done", () => {
    const verifying = patchRead(running, 0, TaskStatus.VERIFYING)!.key;
    const delivering = patchRead(succeeded, 0, TaskStatus.DELIVERING)!.key;
    const done = patchRead(succeeded, 0, TaskStatus.DONE)!.key;
    expect(new Set([verifying, delivering, done]).size).toBe(3);
  });

  it("reads again when the attempt's outcome changes while the status stays", () => {
    expect(patchRead(running, 0, TaskStatus.VERIFYING)!.key).not.toBe(patchRead(succeeded, 0, TaskStatus.VERIFYING)!.key);
  });

  it("reads again when a new attempt starts, even while the shown attempt stays", () => {
    const retried = [...succeeded, { attempt: 2, outcome: RunOutcome.RUNNING, commitCount: 0 }];
    expect(patchRead(retried, 0, TaskStatus.RUNNING)!.attempt).toBe(1);
    expect(patchRead(retried, 0, TaskStatus.RUNNING)!.key).not.toBe(patchRead(succeeded, 0, TaskStatus.RUNNING)!.key);
  });

  it("keeps the same key when nothing changed, so a reload of the same task does not read again", () => {
    expect(patchRead(succeeded, 0, TaskStatus.DONE)!.key).toBe(patchRead([...succeeded], 0, TaskStatus.DONE)!.key);
  });
});
