// Collapses a burst of triggers (ten tasks finishing in one second) into one call after a quiet spell. This is
// not polling: nothing runs unless something triggered it.
export interface Debouncer {
  trigger(): void;
  /** Runs a pending call now. */
  flush(): void;
  dispose(): void;
}

export interface Clock {
  now: () => number;
  set: (run: () => void, ms: number) => unknown;
  clear: (handle: unknown) => void;
}

const realClock: Clock = {
  now: () => Date.now(),
  set: (run, ms) => setTimeout(run, ms),
  clear: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/**
 * Calls `run` `waitMs` after the last trigger, but no later than `maxWaitMs` after the first trigger of a burst,
 * so a steady stream of triggers still refreshes now and then.
 */
export function createDebouncer(run: () => void, waitMs: number, maxWaitMs = waitMs * 4, clock: Clock = realClock): Debouncer {
  let handle: unknown = null;
  let firstAt: number | null = null;
  let disposed = false;
  const fire = () => {
    handle = null;
    firstAt = null;
    if (!disposed) {
      run();
    }
  };
  return {
    trigger() {
      if (disposed) {
        return;
      }
      const now = clock.now();
      firstAt ??= now;
      if (handle !== null) {
        clock.clear(handle);
      }
      const delay = Math.max(0, Math.min(waitMs, firstAt + maxWaitMs - now));
      handle = clock.set(fire, delay);
    },
    flush() {
      if (handle !== null) {
        clock.clear(handle);
        fire();
      }
    },
    dispose() {
      disposed = true;
      if (handle !== null) {
        clock.clear(handle);
        handle = null;
      }
    },
  };
}
