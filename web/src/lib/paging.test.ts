import { describe, expect, it } from "vitest";
import { TaskStatus } from "../gen/devserver/tasks/v1/tasks_pb";
import {
  canGoNext,
  canGoPrevious,
  clampPageSize,
  firstRowNumber,
  initialPaging,
  nextPage,
  pageLoaded,
  pageRequest,
  previousPage,
  withPageSize,
  withStatuses,
} from "./paging";

describe("token paging", () => {
  it("starts on the first page with an empty token and no way forward until a page loaded", () => {
    const s = initialPaging(25, [TaskStatus.RUNNING]);
    expect(pageRequest(s)).toEqual({ statuses: [TaskStatus.RUNNING], pageSize: 25, pageToken: "" });
    expect(canGoNext(s)).toBe(false);
    expect(canGoPrevious(s)).toBe(false);
    expect(nextPage(s)).toBe(s);
    expect(previousPage(s)).toBe(s);
  });

  it("walks forward with the server's tokens and back without refetching tokens", () => {
    let s = pageLoaded(initialPaging(50), "t2");
    expect(canGoNext(s)).toBe(true);
    s = nextPage(s);
    expect(pageRequest(s).pageToken).toBe("t2");
    expect(firstRowNumber(s)).toBe(51);
    expect(canGoNext(s)).toBe(false);
    s = nextPage(pageLoaded(s, "t3"));
    expect(pageRequest(s).pageToken).toBe("t3");
    s = pageLoaded(s, "");
    expect(canGoNext(s)).toBe(false);
    s = previousPage(s);
    expect(s.pageIndex).toBe(1);
    expect(pageRequest(s).pageToken).toBe("t2");
    // Going back knows the way forward again: the token of the page just left.
    expect(canGoNext(s)).toBe(true);
    expect(s.nextToken).toBe("t3");
    s = previousPage(s);
    expect(pageRequest(s).pageToken).toBe("");
    expect(firstRowNumber(s)).toBe(1);
  });

  it("forgets later pages when a page's next token changes after going back", () => {
    let s = nextPage(pageLoaded(nextPage(pageLoaded(initialPaging(10), "a")), "b"));
    s = previousPage(previousPage(s));
    s = nextPage(pageLoaded(s, "a2"));
    expect(s.tokens).toEqual(["", "a2"]);
  });

  it("a new filter or page size starts again at page one", () => {
    const deep = nextPage(pageLoaded(initialPaging(10), "x"));
    const filtered = withStatuses(deep, [TaskStatus.FAILED, TaskStatus.BLOCKED]);
    expect(filtered).toEqual(initialPaging(10, [TaskStatus.FAILED, TaskStatus.BLOCKED]));
    const resized = withPageSize(deep, 100);
    expect(resized.pageIndex).toBe(0);
    expect(resized.pageSize).toBe(100);
  });

  it("keeps the page size within what the server accepts", () => {
    expect(clampPageSize(0)).toBe(50);
    expect(clampPageSize(-3)).toBe(50);
    expect(clampPageSize(Number.NaN)).toBe(50);
    expect(clampPageSize(1000)).toBe(200);
    expect(clampPageSize(25.7)).toBe(25);
  });
});
