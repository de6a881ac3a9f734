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
}

/** Renders only the rows in view: a list of 10 000 events keeps a DOM of a few dozen rows. */
export function VirtualList<T>({ items, rowHeight, height, follow, renderRow, rowKey }: VirtualListProps<T>) {
  const ref = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const pinned = useRef(true);
  const win = computeWindow({ count: items.length, rowHeight, scrollTop, viewportHeight: height, overscan: 10 });

  useLayoutEffect(() => {
    const el = ref.current;
    if (el !== null && follow && pinned.current) {
      el.scrollTop = win.totalHeight;
    }
  }, [items.length, follow]);

  return (
    <div
      ref={ref}
      class="vlist"
      style={{ height: `${height}px` }}
      onScroll={(e) => {
        const el = e.currentTarget as HTMLDivElement;
        pinned.current = isAtBottom(el.scrollTop, el.clientHeight, el.scrollHeight);
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
