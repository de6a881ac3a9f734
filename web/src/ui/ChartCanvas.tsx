import type { Chart, ChartConfiguration } from "chart.js";
import { useEffect, useRef, useState } from "preact/hooks";
import { loadChartJs } from "./chartjs";

type DrawState = "loading" | "rendered" | "failed";

/**
 * One Chart.js chart; a new config updates the chart in place instead of rebuilding it. The canvas exists before
 * Chart.js (a lazy chunk) has drawn on it, so it says when it has: `data-rendered` turns "true" once the chart was
 * built or updated, and a failure shows in words instead of an empty frame.
 */
export function ChartCanvas({ config, label }: { config: ChartConfiguration; label: string }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const chart = useRef<Chart | null>(null);
  const [state, setState] = useState<DrawState>("loading");

  useEffect(() => {
    let disposed = false;
    loadChartJs()
      .then((ChartJs) => {
        if (disposed || canvas.current === null) {
          return;
        }
        if (chart.current === null) {
          chart.current = new ChartJs(canvas.current, config);
        } else {
          chart.current.data = config.data;
          chart.current.options = config.options ?? {};
          chart.current.update("none");
        }
        setState("rendered");
      })
      .catch(() => {
        if (!disposed) {
          // A chunk that did not load, or a configuration Chart.js refused: either way the person sees it in words.
          setState("failed");
        }
      });
    return () => {
      disposed = true;
    };
  }, [config]);

  useEffect(
    () => () => {
      chart.current?.destroy();
      chart.current = null;
    },
    [],
  );

  return (
    <div class="chart">
      {state === "failed" && <p class="tone-error">The chart could not be loaded; reload the page.</p>}
      <canvas ref={canvas} role="img" aria-label={label} data-rendered={state === "rendered" ? "true" : "false"} />
    </div>
  );
}
