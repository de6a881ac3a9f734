import { create } from "@bufbuild/protobuf";
import { computeAccessibleName, getRole } from "dom-accessibility-api";
import { act } from "preact/test-utils";
import { describe, expect, it } from "vitest";
import { LogEntrySchema, LogLevel } from "../gen/devserver/logs/v1/logs_pb";
import { mount } from "../test/render";
import { toLogLine } from "../views/logs";
import { LogDetails } from "./Logs";

const line = toLogLine(
  create(LogEntrySchema, {
    position: 7n,
    time: { seconds: 1_800_000_000n },
    level: LogLevel.ERROR,
    source: "orchestrator",
    category: "DevServer.Orchestrator.Queue.Dispatcher",
    message: "dispatch failed\nsecond line",
    exception: "System.InvalidOperationException: no worker",
  }),
);

describe("the log details panel", () => {
  it("is a region named by its heading: the line's level, time and source", () => {
    const root = mount(<LogDetails line={line} onClose={() => undefined} />);
    const panel = root.querySelector("section")!;
    expect(getRole(panel)).toBe("region");
    expect(computeAccessibleName(panel)).toBe(`error · ${line.when} · orchestrator`);
    expect(panel.textContent).toContain("System.InvalidOperationException: no worker");
  });

  it("closes from its named button", () => {
    let closed = 0;
    const root = mount(<LogDetails line={line} onClose={() => closed++} />);
    const close = [...root.querySelectorAll("button")].find((b) => computeAccessibleName(b) === "close the details");
    expect(close).toBeDefined();
    act(() => close!.click());
    expect(closed).toBe(1);
  });
});
