import { useEffect, useRef } from "preact/hooks";
import type { Run } from "../gen/devserver/tasks/v1/tasks_pb";
import { durationMs } from "../views/format";

/** Duration and cost per attempt. Chart.js is imported on first render, in its own chunk. */
export function RunsChart({ runs }: { runs: readonly Run[] }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    let chart: { destroy(): void } | null = null;
    let disposed = false;
    void import("chart.js").then(({ Chart, BarController, BarElement, CategoryScale, LinearScale, Tooltip, Legend }) => {
      if (disposed || canvas.current === null) {
        return;
      }
      Chart.register(BarController, BarElement, CategoryScale, LinearScale, Tooltip, Legend);
      chart = new Chart(canvas.current, {
        type: "bar",
        data: {
          labels: runs.map((r) => `#${r.attempt}`),
          datasets: [
            { label: "duration (s)", data: runs.map((r) => (durationMs(r.duration) ?? 0) / 1000), yAxisID: "y", backgroundColor: "#4c7bd9" },
            { label: "cost ($)", data: runs.map((r) => r.costUsd), yAxisID: "cost", backgroundColor: "#d98c4c" },
          ],
        },
        options: {
          animation: false,
          maintainAspectRatio: false,
          scales: { y: { position: "left", beginAtZero: true }, cost: { position: "right", beginAtZero: true, grid: { drawOnChartArea: false } } },
        },
      });
    });
    return () => {
      disposed = true;
      chart?.destroy();
    };
  }, [runs]);
  return (
    <div class="chart">
      <canvas ref={canvas} />
    </div>
  );
}
