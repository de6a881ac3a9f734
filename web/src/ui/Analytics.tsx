import type { ChartConfiguration } from "chart.js";
import { useEffect, useMemo, useState } from "preact/hooks";
import type { GetAnalyticsResponse } from "../gen/devserver/analytics/v1/analytics_pb";
import { browserTimeZone, isZoneRejected } from "../lib/timezone";
import { parsePeriod, periodLabel, PERIODS, toCharts, toSummaryFigures, type AnalyticsCharts, type Period } from "../views/analytics";
import { ChartCanvas } from "./ChartCanvas";
import { Card, ErrorBanner } from "./common";
import { useApp } from "./context";

const PERIOD_KEY = "devserver.analyticsDays";

function storedPeriod(): Period {
  try {
    return parsePeriod(localStorage.getItem(PERIOD_KEY));
  } catch {
    return parsePeriod(null);
  }
}

function storePeriod(days: Period) {
  try {
    localStorage.setItem(PERIOD_KEY, String(days));
  } catch {
    // Private mode or storage off: the period just is not remembered.
  }
}

const GRID = { color: "#eef0f3" };

function durationConfig(c: AnalyticsCharts): ChartConfiguration {
  return {
    type: "bar",
    data: { labels: c.labels, datasets: [{ label: c.duration.label, data: c.duration.data, backgroundColor: c.duration.color }] },
    options: {
      animation: false,
      maintainAspectRatio: false,
      plugins: { legend: { display: false }, tooltip: { callbacks: { label: (i) => `${i.formattedValue} ${c.durationUnit.label}` } } },
      scales: { y: { beginAtZero: true, grid: GRID, title: { display: true, text: c.durationUnit.label } }, x: { grid: { display: false } } },
    },
  };
}

function turnsConfig(c: AnalyticsCharts): ChartConfiguration {
  return {
    type: "line",
    data: {
      labels: c.labels,
      datasets: [{ label: c.turns.label, data: c.turns.data, borderColor: c.turns.color, backgroundColor: c.turns.color, pointRadius: 2, tension: 0.2 }],
    },
    options: {
      animation: false,
      maintainAspectRatio: false,
      plugins: { legend: { display: false } },
      scales: { y: { beginAtZero: true, grid: GRID }, x: { grid: { display: false } } },
    },
  };
}

function vendorConfig(c: AnalyticsCharts): ChartConfiguration {
  return {
    type: "line",
    data: {
      labels: c.labels,
      datasets: c.vendorCost.map((s) => ({ label: s.label, data: s.data, borderColor: s.color, backgroundColor: s.color, pointRadius: 2, tension: 0.2 })),
    },
    options: {
      animation: false,
      maintainAspectRatio: false,
      plugins: { legend: { position: "bottom" }, tooltip: { callbacks: { label: (i) => `${i.dataset.label ?? ""}: $${Number(i.raw).toFixed(2)}` } } },
      scales: { y: { beginAtZero: true, grid: GRID, title: { display: true, text: "US$" } }, x: { grid: { display: false } } },
    },
  };
}

function shareConfig(c: AnalyticsCharts): ChartConfiguration {
  return {
    type: "doughnut",
    data: { labels: c.share.labels, datasets: [{ data: c.share.data, backgroundColor: c.share.colors }] },
    options: {
      animation: false,
      maintainAspectRatio: false,
      plugins: {
        legend: { position: "right" },
        tooltip: {
          callbacks: {
            label: (i) => {
              const total = c.share.data.reduce((a, b) => a + b, 0);
              const v = Number(i.raw);
              return `${i.label}: $${v.toFixed(2)} (${total > 0 ? Math.round((v / total) * 100) : 0} %)`;
            },
          },
        },
      },
    },
  };
}

/**
 * Totals and charts over the last 7, 30 or 90 days. Fetched when the period changes and when `refreshToken`
 * changes (the dashboard bumps it, debounced, when tasks finish): no timer polls.
 */
export function Analytics({ refreshToken }: { refreshToken: number }) {
  const { api, report } = useApp();
  const [period, setPeriod] = useState<Period>(storedPeriod);
  const [data, setData] = useState<{ days: Period; response: GetAnalyticsResponse } | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<string | null>(null);
  const [zone, setZone] = useState(browserTimeZone);

  useEffect(() => {
    const abort = new AbortController();
    setLoading(true);
    api.analytics
      .getAnalytics({ days: period, timeZone: zone }, { signal: abort.signal })
      .then((response) => {
        setData({ days: period, response });
        setError(null);
      })
      .catch((err: unknown) => {
        if (abort.signal.aborted) {
          return;
        }
        // An orchestrator that does not know the browser's zone: count days in UTC rather than show nothing.
        if (isZoneRejected(err, zone)) {
          setZone("");
          return;
        }
        setError(report(err).message);
      })
      .finally(() => {
        if (!abort.signal.aborted) {
          setLoading(false);
        }
      });
    return () => abort.abort();
  }, [api, period, refreshToken, zone]);

  const figures = useMemo(() => toSummaryFigures(data?.response), [data]);
  const charts = useMemo(() => toCharts(data?.response), [data]);
  const configs = useMemo(
    () => ({ duration: durationConfig(charts), turns: turnsConfig(charts), vendor: vendorConfig(charts), share: shareConfig(charts) }),
    [charts],
  );

  const choose = (days: Period) => {
    storePeriod(days);
    setPeriod(days);
  };

  return (
    <Card
      title={`Analytics · ${periodLabel(period)}`}
      actions={
        <span class="buttons" role="group" aria-label="period">
          {loading && <span class="muted small">loading…</span>}
          {PERIODS.map((days) => (
            <button key={days} class={`chip ${days === period ? "on" : ""}`} aria-pressed={days === period} onClick={() => choose(days)}>
              {days} days
            </button>
          ))}
        </span>
      }
    >
      <ErrorBanner message={error} onClose={() => setError(null)} />
      {zone === "" && browserTimeZone() !== "" && <p class="muted small">Days are counted in UTC: the orchestrator does not know this browser's time zone.</p>}
      {data === null ? (
        !loading && error === null ? <p class="muted">No figures yet.</p> : null
      ) : (
        <>
          <div class="figures">
            {figures.map((f) => (
              <div class="figure" key={f.label}>
                <span class="label">{f.label}</span>
                <span class="value">{f.value}</span>
                <span class="muted small">{f.hint}</span>
              </div>
            ))}
          </div>
          {charts.empty ? (
            <p class="muted empty">No task finished and no attempt ran in the {periodLabel(data.days)}. The charts fill in as tasks finish.</p>
          ) : (
            <div class="charts">
              <figure>
                <figcaption>Average agent time per task ({charts.durationUnit.label})</figcaption>
                <ChartCanvas config={configs.duration} label="average agent time per finished task, per day" />
              </figure>
              <figure>
                <figcaption>Average turns per task</figcaption>
                <ChartCanvas config={configs.turns} label="average turns per finished task, per day" />
              </figure>
              <figure>
                <figcaption>Cost per vendor (US$ per day)</figcaption>
                {charts.vendorCost.length === 0 ? <p class="muted">No attempt cost anything.</p> : <ChartCanvas config={configs.vendor} label="cost per vendor per day" />}
              </figure>
              <figure>
                <figcaption>Share of cost by vendor</figcaption>
                {charts.share.data.every((v) => v === 0) ? <p class="muted">No attempt cost anything.</p> : <ChartCanvas config={configs.share} label="each vendor's share of the cost" />}
              </figure>
            </div>
          )}
        </>
      )}
    </Card>
  );
}
