import type { Chart, ChartConfiguration } from "chart.js";
import { useEffect, useRef, useState } from "preact/hooks";
import { loadChartJs } from "./chartjs";

/** One Chart.js chart; a new config updates the chart in place instead of rebuilding it. */
export function ChartCanvas({ config, label }: { config: ChartConfiguration; label: string }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const chart = useRef<Chart | null>(null);
  const [failed, setFailed] = useState(false);

  useEffect(() => {
    let disposed = false;
    loadChartJs()
      .then((ChartJs) => {
        if (disposed || canvas.current === null) {
          return;
        }
        setFailed(false);
        if (chart.current === null) {
          chart.current = new ChartJs(canvas.current, config);
        } else {
          chart.current.data = config.data;
          chart.current.options = config.options ?? {};
          chart.current.update("none");
        }
      })
      .catch(() => {
        if (!disposed) {
          setFailed(true);
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
      {failed && <p class="muted">The chart could not be loaded; reload the page.</p>}
      <canvas ref={canvas} role="img" aria-label={label} />
    </div>
  );
}
