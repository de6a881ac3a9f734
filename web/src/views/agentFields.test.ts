import { create } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { TurnLimitSchema } from "../gen/devserver/tasks/v1/tasks_pb";
import { task } from "../test/pageFixtures";
import { agentFieldsOf, parseList, parseTools, sameTurns, turnChoiceOf, turnLimitOf, turnLimitText, vendorModelText, type TurnChoice } from "./agentFields";

describe("turn limits", () => {
  it("round-trips default, unlimited and a number through the contract's TurnLimit", () => {
    const choices: TurnChoice[] = [{ kind: "default" }, { kind: "unlimited" }, { kind: "max", turns: 37 }];
    for (const c of choices) {
      const limit = turnLimitOf(c);
      expect(turnChoiceOf(limit === undefined ? undefined : create(TurnLimitSchema, limit))).toEqual(c);
    }
  });

  it("reads an empty oneof or unlimited=false as the configured default", () => {
    expect(turnChoiceOf(create(TurnLimitSchema, {}))).toEqual({ kind: "default" });
    expect(turnChoiceOf(create(TurnLimitSchema, { limit: { case: "unlimited", value: false } }))).toEqual({ kind: "default" });
    expect(turnLimitText(undefined)).toBe("default");
    expect(turnLimitText(create(TurnLimitSchema, { limit: { case: "maxTurns", value: 10 } }))).toBe("10");
  });

  it("compares choices by meaning", () => {
    expect(sameTurns({ kind: "max", turns: 5 }, { kind: "max", turns: 5 })).toBe(true);
    expect(sameTurns({ kind: "max", turns: 5 }, { kind: "max", turns: 6 })).toBe(false);
    expect(sameTurns({ kind: "unlimited" }, { kind: "default" })).toBe(false);
  });
});

describe("lists and names", () => {
  it("splits labels on commas and lines, tools on lines only", () => {
    expect(parseList(" a, b\nc,, a ")).toEqual(["a", "b", "c"]);
    expect(parseTools("Bash(git log:*, git diff)\n Read \n")).toEqual(["Bash(git log:*, git diff)", "Read"]);
  });

  it("reads a task's agent fields", () => {
    const f = agentFieldsOf(task({ allowedTools: ["Read", "Edit"], turnLimit: { limit: { case: "unlimited", value: true } } }));
    expect(f.vendor).toBe("claude");
    expect(f.turns).toEqual({ kind: "unlimited" });
    expect(f.allowedTools).toBe("Read\nEdit");
  });

  it("writes vendor/model compactly", () => {
    expect(vendorModelText("claude", "")).toBe("claude");
    expect(vendorModelText("claude", "opus")).toBe("claude/opus");
    expect(vendorModelText("", "")).toBe("—");
  });
});
