'use client';

import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { barLabelSplits, isoTime, shortLabel, timeAxisLabels, zeroBasedRange } from '@/lib/query/chart-axes';
import type { PlotData } from '@/lib/query/chart-series';
import type { ChartChoice } from '@/lib/query/chart-suggestion';

/** Series colours after the first (the theme's primary). */
const PALETTE = ['#d97706', '#16a34a', '#dc2626', '#7c3aed', '#0891b2', '#db2777', '#65a30d', '#ea580c', '#4f46e5', '#0d9488', '#a16207'];
/** Room a bar label may take (px), and its length in characters. */
const BAR_LABEL_PX = 96;
const BAR_LABEL_CHARS = 14;

/**
 * Draws plot data with uPlot as a line, scatter or bar chart. Bars stand at 0, 1, 2… from a value
 * axis that includes zero, each under its (shortened) label; times read in ISO UTC on the axis and
 * in the legend. The data attributes expose what is drawn (points, series) to tests.
 */
export function UPlotChart({ type, plot, x, y, height = 280 }: { type: ChartChoice['type']; plot: PlotData; x: string; y: string; height?: number }) {
  const host = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!host.current) return;
    const { xKind, xs, series, labels } = plot;
    const bars = type === 'bar';
    const style = getComputedStyle(document.documentElement);
    const primary = style.getPropertyValue('--primary').trim() || '#0e7490';
    const axis = { stroke: style.getPropertyValue('--muted-foreground').trim() || '#666', grid: { stroke: 'rgba(128,128,128,0.15)' } };
    const width = host.current.clientWidth || 800;
    const xValue = (v: number | null) => (v === null ? '—' : xKind === 'time' ? isoTime(v) : xKind === 'text' ? (labels[v] ?? '') : String(v));
    const xAxis: uPlot.Axis =
      xKind === 'time'
        ? { ...axis, values: (_u, splits, _i, _space, increment) => timeAxisLabels(splits, increment) }
        : xKind === 'text'
          ? { ...axis, splits: () => barLabelSplits(xs.length, width, BAR_LABEL_PX), values: (_u, splits) => splits.map((s) => shortLabel(labels[s] ?? '', BAR_LABEL_CHARS)) }
          : axis;
    const chart = new uPlot(
      {
        width,
        height,
        scales: {
          x: xKind === 'time' ? { time: true } : xKind === 'text' ? { time: false, range: () => [-0.5, xs.length - 0.5] } : { time: false },
          y: bars ? { range: (_u, min, max) => zeroBasedRange(min, max) } : {},
        },
        axes: [xAxis, { ...axis, size: 56 }],
        series: [
          { label: x, value: (_u, v) => xValue(v) },
          ...series.map((s, i) => {
            const stroke = i === 0 ? primary : PALETTE[(i - 1) % PALETTE.length];
            return {
              label: s.name || y,
              stroke,
              spanGaps: true,
              fill: bars ? stroke : undefined,
              paths: bars ? uPlot.paths.bars!({ size: [0.6, 64], align: 0 }) : type === 'scatter' ? () => null : undefined,
              points: { show: type === 'scatter', size: 5, fill: stroke },
            };
          }),
        ],
      },
      [xs, ...series.map((s) => s.ys)],
      host.current,
    );
    return () => chart.destroy();
  }, [plot, type, x, y, height]);
  return (
    <div
      ref={host}
      data-testid="result-chart"
      data-points={plot.xs.length}
      data-series={JSON.stringify(Object.fromEntries(plot.series.map((s) => [s.name, s.ys])))}
      className="w-full overflow-hidden"
    />
  );
}
