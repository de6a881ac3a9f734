// Paging state for token-paged lists (ListTasks): the server hands out opaque next-page tokens, so going back
// means remembering the token each visited page was fetched with.
import { TaskStatus } from "../gen/devserver/tasks/v1/tasks_pb";

export const PAGE_SIZES = [25, 50, 100, 200] as const;

export interface PagingState {
  statuses: readonly TaskStatus[];
  pageSize: number;
  /** tokens[i] is the page token that fetches page i; tokens[0] is always "". */
  tokens: readonly string[];
  pageIndex: number;
  /** The token of the page after the current one; "" when the current page is the last (or not loaded). */
  nextToken: string;
}

export function initialPaging(pageSize = 50, statuses: readonly TaskStatus[] = []): PagingState {
  return { statuses, pageSize: clampPageSize(pageSize), tokens: [""], pageIndex: 0, nextToken: "" };
}

export function clampPageSize(size: number): number {
  if (!Number.isFinite(size) || size <= 0) {
    return 50;
  }
  return Math.min(200, Math.max(1, Math.floor(size)));
}

/** The request fields for the current page. */
export function pageRequest(state: PagingState): { statuses: TaskStatus[]; pageSize: number; pageToken: string } {
  return { statuses: [...state.statuses], pageSize: state.pageSize, pageToken: state.tokens[state.pageIndex] ?? "" };
}

/** Records the response of the current page. */
export function pageLoaded(state: PagingState, nextPageToken: string): PagingState {
  return { ...state, nextToken: nextPageToken };
}

export function canGoNext(state: PagingState): boolean {
  return state.nextToken !== "";
}

export function canGoPrevious(state: PagingState): boolean {
  return state.pageIndex > 0;
}

export function nextPage(state: PagingState): PagingState {
  if (!canGoNext(state)) {
    return state;
  }
  const tokens = [...state.tokens.slice(0, state.pageIndex + 1), state.nextToken];
  return { ...state, tokens, pageIndex: state.pageIndex + 1, nextToken: "" };
}

export function previousPage(state: PagingState): PagingState {
  if (!canGoPrevious(state)) {
    return state;
  }
  // The next token of the previous page is the token of the page we are leaving: known without a fetch.
  const nextToken = state.tokens[state.pageIndex] ?? "";
  return { ...state, pageIndex: state.pageIndex - 1, nextToken };
}

/** A different filter or page size starts again at the first page (old tokens belong to the old query). */
export function withStatuses(state: PagingState, statuses: readonly TaskStatus[]): PagingState {
  return initialPaging(state.pageSize, statuses);
}

export function withPageSize(state: PagingState, pageSize: number): PagingState {
  return initialPaging(pageSize, state.statuses);
}

/** 1-based number of the first row on the current page, for "rows 51–100". */
export function firstRowNumber(state: PagingState): number {
  return state.pageIndex * state.pageSize + 1;
}
