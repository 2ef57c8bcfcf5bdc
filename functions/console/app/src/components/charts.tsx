import { BarController, BarElement, CategoryScale, Chart, Legend, LinearScale, LineController, LineElement, PointElement, Tooltip, type ChartConfiguration } from 'chart.js';
import { useEffect, useMemo, useRef } from 'preact/hooks';

// Only what the two charts use: keeps the bundle small.
Chart.register(LineController, LineElement, PointElement, BarController, BarElement, CategoryScale, LinearScale, Legend, Tooltip);

export const CHART_COLORS = { optOut: '#b91c1c', optIn: '#15803d', rate: '#1d4ed8' } as const;

/**
 * A Chart.js canvas. The canvas is one image to a screen reader (`role="img"` and a summary);
 * every chart on the page also has its numbers in a table.
 */
function ChartCanvas({ config, summary, id }: { config: ChartConfiguration; summary: string; id: string }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    if (!canvas.current) return undefined;
    const chart = new Chart(canvas.current, config);
    return () => chart.destroy();
  }, [config]);
  return (
    <div class="chart">
      <canvas ref={canvas} id={id} role="img" aria-label={summary} />
    </div>
  );
}

const BASE_OPTIONS = {
  // No animation: nothing moves for people who asked for less motion, and screenshots are stable.
  animation: false,
  responsive: true,
  maintainAspectRatio: false,
  plugins: { legend: { position: 'bottom' } },
} as const;

export function DailyChart(props: { id: string; labels: string[]; optOuts: number[]; optIns: number[]; summary: string }) {
  // A new chart only when the numbers change, not on every render of the page.
  const data = JSON.stringify([props.labels, props.optOuts, props.optIns]);
  const config = useMemo((): ChartConfiguration<'line'> => ({
    type: 'line',
    data: {
      labels: props.labels,
      datasets: [
        { label: 'Opt-outs', data: props.optOuts, borderColor: CHART_COLORS.optOut, backgroundColor: CHART_COLORS.optOut, tension: 0.2 },
        { label: 'Opt-ins', data: props.optIns, borderColor: CHART_COLORS.optIn, backgroundColor: CHART_COLORS.optIn, borderDash: [6, 4], tension: 0.2 },
      ],
    },
    options: { ...BASE_OPTIONS, scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } },
  }), [data]);
  return <ChartCanvas id={props.id} config={config as ChartConfiguration} summary={props.summary} />;
}

export function RateChart(props: { id: string; labels: string[]; percents: number[]; summary: string }) {
  const data = JSON.stringify([props.labels, props.percents]);
  const config = useMemo((): ChartConfiguration<'bar'> => ({
    type: 'bar',
    data: { labels: props.labels, datasets: [{ label: 'Opt-out rate (%)', data: props.percents, backgroundColor: CHART_COLORS.rate }] },
    options: {
      ...BASE_OPTIONS,
      indexAxis: 'y',
      scales: { x: { beginAtZero: true, title: { display: true, text: '% of messages sent' } } },
    },
  }), [data]);
  return <ChartCanvas id={props.id} config={config as ChartConfiguration} summary={props.summary} />;
}
