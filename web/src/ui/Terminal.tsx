import { useEffect, useRef, useState } from "preact/hooks";

export interface TerminalSink {
  write(text: string): void;
  clear(): void;
}

/**
 * The agent's output in xterm.js. xterm is loaded on first use (its own chunk), so the first page load does not
 * pay for it. Lines written before it is ready are kept and written once it is.
 */
export function Terminal({ onReady }: { onReady: (sink: TerminalSink) => void }) {
  const host = useRef<HTMLDivElement>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let disposed = false;
    let cleanup = () => {};
    void Promise.all([import("@xterm/xterm"), import("@xterm/addon-fit"), import("@xterm/xterm/css/xterm.css")])
      .then(([{ Terminal: XTerm }, { FitAddon }]) => {
        if (disposed || host.current === null) {
          return;
        }
        const term = new XTerm({
          convertEol: false,
          disableStdin: true,
          scrollback: 20_000,
          fontSize: 12,
          fontFamily: "ui-monospace, SFMono-Regular, Menlo, Consolas, monospace",
          theme: { background: "#111418" },
        });
        const fitAddon = new FitAddon();
        term.loadAddon(fitAddon);
        term.open(host.current);
        const fit = () => fitAddon.fit();
        fit();
        addEventListener("resize", fit);
        cleanup = () => {
          removeEventListener("resize", fit);
          term.dispose();
        };
        onReady({ write: (text) => term.write(text), clear: () => term.clear() });
      })
      .catch((err: unknown) => setError(`the terminal could not load: ${String(err)}`));
    return () => {
      disposed = true;
      cleanup();
    };
  }, []);

  return (
    <div class="terminal" data-testid="terminal">
      {error !== null && <div class="error">{error}</div>}
      <div ref={host} />
    </div>
  );
}
