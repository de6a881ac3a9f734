import type { ComponentChildren } from "preact";
import { useLayoutEffect, useRef, useState } from "preact/hooks";
import { computeWindow, isAtBottom } from "../lib/virtual";

export interface VirtualListProps<T> {
  items: readonly T[];
  rowHeight: number;
  height: number;
  /** Keep the last row in view while new rows arrive, unless the person scrolled up. */
  follow: boolean;
  renderRow: (item: T, index: number) => ComponentChildren;
  rowKey: (item: T, index: number) => string;
  /** Told whenever scrolling moves the view onto or off the last row (for a "jump to the latest" button). */
  onAtBottomChange?: (atBottom: boolean) => void;
  /** Changing this number scrolls to the last row (and pins the list there again). */
  jumpToken?: number;
  /** How many rows have been removed from the top so far (a capped list): while scrolled up, the view moves up
   * with them so the rows being read stay in place. */
  removedAbove?: number;
}

/** Renders only the rows in view: a list of 10 000 events keeps a DOM of a few dozen rows. */
export function VirtualList<T>({ items, rowHeight, height, follow, renderRow, rowKey, onAtBottomChange, jumpToken, removedAbove = 0 }: VirtualListProps<T>) {
  const ref = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const pinned = useRef(true);
  const removed = useRef(removedAbove);
  const win = computeWindow({ count: items.length, rowHeight, scrollTop, viewportHeight: height, overscan: 10 });

  useLayoutEffect(() => {
    const delta = removedAbove - removed.current;
    removed.current = removedAbove;
    const el = ref.current;
    if (el !== null && delta > 0 && !pinned.current) {
      el.scrollTop = Math.max(0, el.scrollTop - delta * rowHeight);
    }
  }, [removedAbove]);

  useLayoutEffect(() => {
    const el = ref.current;
    if (el !== null && follow && pinned.current) {
      el.scrollTop = win.totalHeight;
    }
    // The items and their count: a capped list (the logs) keeps its length while new rows push old ones out, and the
    // task timeline appends to the same array in place (its views are kept current without refiltering).
  }, [items, items.length, follow]);

  useLayoutEffect(() => {
    const el = ref.current;
    if (el !== null && jumpToken !== undefined && jumpToken > 0) {
      pinned.current = true;
      el.scrollTop = el.scrollHeight;
      onAtBottomChange?.(true);
    }
  }, [jumpToken]);

  return (
    <div
      ref={ref}
      class="vlist"
      style={{ height: `${height}px` }}
      onScroll={(e) => {
        const el = e.currentTarget as HTMLDivElement;
        const atBottom = isAtBottom(el.scrollTop, el.clientHeight, el.scrollHeight);
        if (atBottom !== pinned.current) {
          onAtBottomChange?.(atBottom);
        }
        pinned.current = atBottom;
        setScrollTop(el.scrollTop);
      }}
    >
      <div style={{ height: `${win.totalHeight}px`, position: "relative" }}>
        <div style={{ position: "absolute", top: `${win.offsetTop}px`, left: 0, right: 0 }}>
          {items.slice(win.start, win.end).map((item, i) => (
            <div class="vrow" style={{ height: `${rowHeight}px` }} key={rowKey(item, win.start + i)}>
              {renderRow(item, win.start + i)}
            </div>
          ))}
        </div>
      </div>
    </div>
  );
}
