// Chart.js, imported on first use so it stays in its own chunk (the first load never pays for it), registered
// once with the controllers and elements the dashboard draws.
import type { Chart } from "chart.js";

export type ChartClass = typeof Chart;

let loading: Promise<ChartClass> | null = null;

export function loadChartJs(): Promise<ChartClass> {
  loading ??= import("chart.js")
    .then((m) => {
      m.Chart.register(
        m.BarController,
        m.LineController,
        m.DoughnutController,
        m.BarElement,
        m.LineElement,
        m.PointElement,
        m.ArcElement,
        m.CategoryScale,
        m.LinearScale,
        m.Tooltip,
        m.Legend,
      );
      return m.Chart;
    })
    .catch((error: unknown) => {
      // A failed chunk load (a redeploy under an open page) may succeed on the next try.
      loading = null;
      throw error;
    });
  return loading;
}
