import { computeAccessibleName, getRole } from "dom-accessibility-api";
import { act } from "preact/test-utils";
import { describe, expect, it } from "vitest";
import { mount } from "../test/render";
import { readAnswered, readFailed, readStarted, staleRowsNotice } from "../views/taskList";
import { StaleRowsNotice } from "./Tasks";

const page = "|50||false";

describe("the task list's stale-rows notice", () => {
  it("is an empty status region while the rows are fresh", () => {
    const root = mount(<StaleRowsNotice notice={staleRowsNotice(readAnswered(page, ["#1"]))} onReadAgain={() => undefined} />);
    const status = root.querySelector("[role=status]")!;
    expect(getRole(status)).toBe("status");
    expect(status.textContent).toBe("");
    expect(root.querySelectorAll("button")).toHaveLength(0);
  });

  it("says in its status region that the rows may be out of date after a failed re-read, and reads again on request", () => {
    let readAgain = 0;
    const stale = readFailed(readStarted(readAnswered(page, ["#1"]), page), page);
    const root = mount(<StaleRowsNotice notice={staleRowsNotice(stale)} onReadAgain={() => readAgain++} />);
    expect(root.querySelector("[role=status]")!.textContent).toMatch(/^These rows may be out of date: reading the list again failed\./);
    const button = root.querySelector("button")!;
    expect(computeAccessibleName(button)).toBe("Read again");
    act(() => button.click());
    expect(readAgain).toBe(1);
  });
});
