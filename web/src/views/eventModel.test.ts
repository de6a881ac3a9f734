import { create } from "@bufbuild/protobuf";
import { durationFromMs, timestampFromMs } from "@bufbuild/protobuf/wkt";
import { describe, expect, it } from "vitest";
import { OutputSource, TaskEventSchema } from "../gen/devserver/events/v1/events_pb";
import { DeliveryFlow, RunOutcome, TaskStatus } from "../gen/devserver/tasks/v1/tasks_pb";
import { AgentActivitySchema, AgentErrorKind, RateLimitState } from "../gen/devserver/work/v1/activity_pb";
import { StageKind } from "../gen/devserver/work/v1/repository_pb";
import { event, type EventKind } from "../test/fixtures";
import { changesTask, terminalLine, toEventRow } from "./eventModel";

const row = (kind: EventKind) => toEventRow(event(5, kind));
const activity = (value: unknown) => row({ case: "agentActivity", value: create(AgentActivitySchema, value as never) });

describe("event rows", () => {
  it("keeps the sequence, attempt and time of the event", () => {
    const r = row({ case: "created", value: { title: "Add multiply", repository: "calc" } });
    expect(r).toMatchObject({ sequence: 5n, attempt: 1, kind: "created", summary: "Add multiply (calc)" });
    expect(r.time).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
  });

  it("shows a status change with both statuses and the reason, coloured by the new status", () => {
    const failed = row({ case: "statusChanged", value: { from: TaskStatus.RUNNING, to: TaskStatus.FAILED, reason: "attempts used up" } });
    expect(failed).toMatchObject({ kind: "status", summary: "running → failed · attempts used up", tone: "error" });
    expect(row({ case: "statusChanged", value: { from: TaskStatus.DELIVERING, to: TaskStatus.DONE } })).toMatchObject({ summary: "delivering → done", tone: "ok" });
    expect(row({ case: "statusChanged", value: { from: TaskStatus.QUEUED, to: TaskStatus.CANCELLED } }).tone).toBe("warn");
  });

  it("names the vendor, model and worker of an attempt, and a verification by its worker", () => {
    expect(row({ case: "attemptStarted", value: { workerId: "w1", workerName: "box/claude", work: "agent", vendor: "claude", model: "opus" } })).toMatchObject({
      label: "attempt",
      summary: "claude/opus on box/claude",
    });
    expect(row({ case: "attemptStarted", value: { workerId: "w2", work: "verify" } })).toMatchObject({ label: "verification", summary: "verifying on w2" });
  });

  it("shows output lines by source, stderr as a warning", () => {
    expect(row({ case: "outputLine", value: { source: OutputSource.AGENT, text: "hello" } })).toMatchObject({ kind: "output", label: "agent", summary: "hello", tone: "muted" });
    expect(row({ case: "outputLine", value: { source: OutputSource.VERIFIER, stage: StageKind.TEST, stderr: true, text: "FAIL" } })).toMatchObject({
      label: "test err",
      tone: "warn",
    });
  });

  it("renders every agent activity kind", () => {
    expect(activity({ kind: { case: "sessionStarted", value: { sessionId: "s-1", model: "opus", tools: ["Bash", "Edit"], resumed: true } } })).toMatchObject({
      kind: "agent.session",
      label: "session resumed",
      summary: "opus · session s-1",
      details: ["tools: Bash, Edit"],
    });
    expect(activity({ kind: { case: "text", value: { text: "first\nsecond" } } })).toMatchObject({ kind: "agent.text", summary: "first …", details: ["first", "second"] });
    expect(activity({ kind: { case: "text", value: { text: "hmm", reasoning: true } } })).toMatchObject({ kind: "agent.reasoning", label: "thinking", tone: "muted" });
    expect(activity({ kind: { case: "toolCall", value: { callId: "c1", name: "Bash", summary: "npm test" } } })).toMatchObject({ label: "▶ Bash", summary: "npm test" });
    expect(activity({ kind: { case: "toolResult", value: { callId: "c1", ok: false, summary: "exit 1" } } })).toMatchObject({ label: "◀ error", tone: "warn" });
    expect(activity({ kind: { case: "usage", value: { inputTokens: 1500n, outputTokens: 20n, cacheReadTokens: 2_500_000n } } }).summary).toBe(
      "in 1.5k, out 20, cache read 2.5M, cache write 0",
    );
    expect(
      activity({ kind: { case: "rateLimit", value: { state: RateLimitState.REJECTED, limit: "five_hour", resetsAt: timestampFromMs(0), message: "slow down" } } }),
    ).toMatchObject({ kind: "agent.rate_limit", tone: "error", details: ["slow down"] });
    expect(activity({ kind: { case: "rateLimit", value: { state: RateLimitState.WARNING, limit: "seven_day" } } })).toMatchObject({ summary: "seven_day: near the limit", tone: "warn" });
    expect(activity({ kind: { case: "vendorRetry", value: { attempt: 2, maxAttempts: 10, delay: durationFromMs(1500), reason: "529" } } }).summary).toBe("retry 2/10 in 1.5 s: 529");
    expect(activity({ kind: { case: "notice", value: { error: true, message: "disk full" } } })).toMatchObject({ label: "agent error", tone: "error" });
    expect(
      activity({
        kind: {
          case: "report",
          value: { success: false, errorKind: AgentErrorKind.MAX_TURNS, message: "ran out", turns: 30, costUsd: 1.5, duration: durationFromMs(65_000), sessionId: "s-1" },
        },
      }),
    ).toMatchObject({ kind: "agent.report", summary: "failed (turn limit reached) · 30 turns · $1.50 · 1 min 05 s", tone: "error", details: ["ran out", "session s-1"] });
    expect(activity({ kind: { case: "report", value: { success: true, turns: 3 } } })).toMatchObject({ summary: "succeeded · 3 turns", tone: "ok" });
    expect(activity({ kind: { case: "unknown", value: { type: "x.y", json: "{}" } } })).toMatchObject({ label: "x.y", details: ["{}"] });
  });

  it("shows how the agent finished", () => {
    expect(row({ case: "agentFinished", value: { outcome: RunOutcome.SUCCEEDED, exitCode: 0, commitCount: 2, duration: durationFromMs(800) } })).toMatchObject({
      summary: "succeeded · exit 0 · 2 commits · 800 ms",
      tone: "ok",
    });
    expect(row({ case: "agentFinished", value: { outcome: RunOutcome.TIMED_OUT, commitCount: 1, error: "deadline" } })).toMatchObject({
      summary: "timed out · 1 commit · —",
      details: ["deadline"],
      tone: "error",
    });
  });

  it("shows verification stages, a pre-existing failure as a warning", () => {
    expect(row({ case: "stageStarted", value: { stage: StageKind.BUILD, command: "dotnet build", detectedFrom: "DevServer.sln" } })).toMatchObject({
      label: "build ▶",
      summary: "dotnet build",
      details: ["detected from DevServer.sln"],
    });
    expect(row({ case: "stageFinished", value: { stage: StageKind.TEST, passed: false, exitCode: 1, duration: durationFromMs(2000) } })).toMatchObject({
      summary: "failed · exit 1 · 2.0 s",
      tone: "error",
    });
    expect(row({ case: "stageFinished", value: { stage: StageKind.LINT, passed: true, preExisting: true } })).toMatchObject({ tone: "warn" });
    expect(row({ case: "stageFinished", value: { stage: StageKind.TEST, passed: false, timedOut: true } }).summary).toMatch(/^timed out/);
  });

  it("shows retries, lost workers, edits, vendor pauses and failover", () => {
    expect(row({ case: "retryScheduled", value: { nextAttempt: 3, reason: "tests failed", attemptGivenBack: true } })).toMatchObject({
      kind: "retry",
      details: ["tests failed"],
    });
    expect(row({ case: "retryScheduled", value: { nextAttempt: 3 } }).summary).toMatch(/^attempt 3 not before/);
    expect(row({ case: "workerLost", value: { workerId: "w9" } }).summary).toBe("w9 disappeared; the task goes back to the queue");
    expect(row({ case: "taskUpdated", value: { fields: ["title", "priority"] } }).summary).toBe("changed title, priority");
    expect(row({ case: "vendorPaused", value: { vendor: "claude", account: "team", reason: "usage limit" } })).toMatchObject({ kind: "vendor_paused", details: ["usage limit"] });
    expect(row({ case: "failedOver", value: { fromVendor: "claude", fromModel: "opus", toVendor: "codex", carriedCommits: 1, reason: "auth" } })).toMatchObject({
      kind: "failover",
      summary: "claude/opus → codex · 1 commit carried over",
    });
  });

  it("classifies failures; a hard or repeated class is an error", () => {
    const soft = row({ case: "failureClassified", value: { key: "python.import", hint: "install x", evidence: ["ImportError: x"], source: "verifier", repeat: 1 } });
    expect(soft).toMatchObject({ label: "failure", summary: "python.import (verifier) · install x", details: ["install x", "ImportError: x"], tone: "warn" });
    expect(row({ case: "failureClassified", value: { key: "dotnet.compile", source: "agent", repeat: 2 } })).toMatchObject({
      summary: "dotnet.compile (agent, 2× in a row)",
      tone: "error",
    });
    expect(row({ case: "failureClassified", value: { key: "git.auth", hard: true, source: "agent", repeat: 1 } }).label).toBe("hard failure");
  });

  it("shows delivery", () => {
    expect(row({ case: "deliveryStarted", value: { flow: DeliveryFlow.PULL_REQUEST } }).summary).toBe("started (pull request)");
    expect(row({ case: "preflightFinding", value: { rule: "secret.github-token", file: "a.env", line: 3, preview: "ghp_****" } })).toMatchObject({
      summary: "secret.github-token a.env:3",
      tone: "error",
    });
    expect(row({ case: "delivered", value: { flow: DeliveryFlow.DIRECT_COMMIT, branch: "main", commit: "0123456789abcdef" } }).summary).toBe(
      "direct commit: main @ 0123456789ab",
    );
    expect(row({ case: "delivered", value: { flow: DeliveryFlow.PULL_REQUEST, pullRequestUrl: "https://forge/pr/1" } }).summary).toBe("pull request: https://forge/pr/1");
    expect(row({ case: "deliveryFailed", value: { reason: "503", retrying: true } }).tone).toBe("warn");
    expect(row({ case: "deliveryFailed", value: { reason: "token refused", retrying: false } })).toMatchObject({ summary: "token refused · task blocked", tone: "error" });
  });

  it("has a specific rendering for every event kind and activity kind in the contract", () => {
    const eventCases = TaskEventSchema.oneofs.find((o) => o.name === "kind")?.fields ?? [];
    expect(eventCases.length).toBeGreaterThanOrEqual(18);
    for (const field of eventCases) {
      const r = row({ case: field.localName, value: {} } as EventKind);
      expect(r.kind, field.name).not.toBe("unknown");
    }
    const activityCases = AgentActivitySchema.oneofs.find((o) => o.name === "kind")?.fields ?? [];
    expect(activityCases.length).toBeGreaterThanOrEqual(10);
    for (const field of activityCases) {
      const r = activity({ kind: { case: field.localName, value: {} } });
      expect(r.kind, field.name).toMatch(/^agent\.(?!empty)/);
    }
  });

  it("an event without a kind is shown as unknown rather than failing", () => {
    expect(toEventRow(create(TaskEventSchema, { sequence: 1n })).kind).toBe("unknown");
  });
});

describe("terminal lines and task refreshes", () => {
  it("writes output lines with CRLF, stderr in red and verifier lines tagged with their stage", () => {
    expect(terminalLine(event(1, { case: "outputLine", value: { source: OutputSource.AGENT, text: "ok" } }))).toBe("ok\r\n");
    expect(terminalLine(event(1, { case: "outputLine", value: { source: OutputSource.AGENT, stderr: true, text: "bad" } }))).toBe("\x1b[31mbad\x1b[0m\r\n");
    expect(terminalLine(event(1, { case: "outputLine", value: { source: OutputSource.VERIFIER, stage: StageKind.BUILD, text: "x" } }))).toContain("[build]");
    expect(terminalLine(event(1, { case: "created", value: {} }))).toBeUndefined();
  });

  it("reloads the task for events that change its header or runs, not for output", () => {
    expect(changesTask(event(1, { case: "statusChanged", value: {} }))).toBe(true);
    expect(changesTask(event(1, { case: "agentFinished", value: {} }))).toBe(true);
    expect(changesTask(event(1))).toBe(false);
  });
});
