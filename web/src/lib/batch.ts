// Collects items arriving one by one (a stream replaying 10 000 events) and hands them over in batches, at most
// once per animation frame, so the view re-renders a few times a second instead of once per event.
export interface Batcher<T> {
  push(item: T): void;
  flush(): void;
  dispose(): void;
}

export function createBatcher<T>(
  deliver: (items: T[]) => void,
  schedule: (run: () => void) => () => void = frameScheduler,
): Batcher<T> {
  let pending: T[] = [];
  let cancel: (() => void) | null = null;
  const flush = () => {
    cancel = null;
    if (pending.length === 0) {
      return;
    }
    const items = pending;
    pending = [];
    deliver(items);
  };
  return {
    push(item) {
      pending.push(item);
      if (cancel === null) {
        cancel = schedule(flush);
      }
    },
    flush() {
      cancel?.();
      flush();
    },
    dispose() {
      cancel?.();
      cancel = null;
      pending = [];
    },
  };
}

function frameScheduler(run: () => void): () => void {
  if (typeof requestAnimationFrame === "function") {
    const id = requestAnimationFrame(run);
    return () => cancelAnimationFrame(id);
  }
  const id = setTimeout(run, 16);
  return () => clearTimeout(id);
}
