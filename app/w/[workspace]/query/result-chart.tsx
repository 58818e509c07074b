'use client';

import { useEffect, useMemo, useRef, useState } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { Table } from 'apache-arrow';
import { Select } from '@/app/_components/ui/input';
import { columnKind, suggestChart, type ChartChoice } from '@/lib/query/chart-suggestion';
import { alignSeries, singleSeries, type ChartPoint } from '@/lib/query/chart-series';
import { cellFormatter, readCell } from '@/lib/query/format-cell';

/** Charts draw at most this many points (the first rows of the result), and this many series. */
const MAX_POINTS = 200_000;
const MAX_SERIES = 12;
/** Series colours after the first (the theme's primary). */
const PALETTE = ['#d97706', '#16a34a', '#dc2626', '#7c3aed', '#0891b2', '#db2777', '#65a30d', '#ea580c', '#4f46e5', '#0d9488', '#a16207'];

const toNumber = (v: unknown) => (v === null || v === undefined || typeof v === 'symbol' ? null : typeof v === 'bigint' ? Number(v) : v instanceof Date ? v.getTime() : Number(v));

/**
 * A line, scatter or bar chart of a numeric column against another column, drawn with uPlot;
 * optionally one series per value of a text column ("by"), up to MAX_SERIES of them.
 */
export function ResultChart({ table }: { table: Table }) {
  const columns = useMemo(() => table.schema.fields.map((f) => ({ name: f.name, kind: columnKind(f.type), type: f.type })), [table]);
  const suggested = useMemo(() => suggestChart(columns), [columns]);
  const [choice, setChoice] = useState<ChartChoice | undefined>(suggested);
  useEffect(() => setChoice(suggested), [suggested]);
  const host = useRef<HTMLDivElement>(null);

  const plotted = useMemo(() => {
    if (!choice) return undefined;
    const column = (name: string | undefined) => columns.findIndex((c) => c.name === name);
    const [xi, yi, bi] = [column(choice.x), column(choice.y), column(choice.by)];
    if (xi < 0 || yi < 0) return undefined;
    const xKind = columns[xi].kind;
    const [xv, yv, bv] = [table.getChildAt(xi)!, table.getChildAt(yi)!, bi >= 0 && choice.type !== 'bar' ? table.getChildAt(bi) : null];
    const label = cellFormatter(columns[xi].type);
    const byLabel = bi >= 0 ? cellFormatter(columns[bi].type) : () => '';
    const n = Math.min(table.numRows, MAX_POINTS);
    const labels: string[] = [];
    const points: ChartPoint[] = [];
    for (let i = 0; i < n; i++) {
      // Bars are drawn in result order at 0, 1, 2…; uPlot's time axis counts seconds.
      const x = xKind === 'text' || choice.type === 'bar' ? i : toNumber(readCell(xv, i));
      if (x === null || !Number.isFinite(x)) continue;
      labels[i] = label(readCell(xv, i));
      points.push({ x: xKind === 'time' && choice.type !== 'bar' ? x / 1000 : x, y: toNumber(readCell(yv, i)), series: bv ? byLabel(readCell(bv, i)) : '' });
    }
    const aligned = (bv && alignSeries(points, MAX_SERIES)) || singleSeries(points, choice.type === 'bar');
    return { xKind: choice.type === 'bar' ? ('text' as const) : xKind, labels, ...aligned };
  }, [choice, columns, table]);

  useEffect(() => {
    if (!plotted || !choice || !host.current) return;
    const { xKind, xs, series, labels } = plotted;
    const style = getComputedStyle(document.documentElement);
    const primary = style.getPropertyValue('--primary').trim() || '#0e7490';
    const axis = { stroke: style.getPropertyValue('--muted-foreground').trim() || '#666', grid: { stroke: 'rgba(128,128,128,0.15)' } };
    const plot = new uPlot(
      {
        width: host.current.clientWidth || 800,
        height: 280,
        scales: { x: { time: xKind === 'time' } },
        axes: [xKind === 'text' ? { ...axis, values: (_u, splits) => splits.map((s) => labels[s] ?? '') } : axis, axis],
        series: [
          {},
          ...series.map((s, i) => {
            const stroke = i === 0 ? primary : PALETTE[(i - 1) % PALETTE.length];
            return {
              label: s.name || choice.y,
              stroke,
              spanGaps: true,
              fill: choice.type === 'bar' ? stroke : undefined,
              paths: choice.type === 'bar' ? uPlot.paths.bars!({ size: [0.6] }) : choice.type === 'scatter' ? () => null : undefined,
              points: { show: choice.type === 'scatter', size: 5, fill: stroke },
            };
          }),
        ],
        legend: { show: series.length > 1 },
      },
      [xs, ...series.map((s) => s.ys)],
      host.current,
    );
    return () => plot.destroy();
  }, [plotted, choice]);

  if (!suggested || !choice) return null;
  const names = columns.map((c) => c.name);
  return (
    <div className="flex flex-col gap-2 rounded-md border p-2">
      <div className="flex flex-wrap items-center gap-2 text-xs">
        <Select aria-label="Chart type" value={choice.type} onChange={(e) => setChoice({ ...choice, type: e.target.value as ChartChoice['type'] })}>
          <option value="line">line</option>
          <option value="scatter">scatter</option>
          <option value="bar">bar</option>
        </Select>
        <Select aria-label="Chart x" value={choice.x} onChange={(e) => setChoice({ ...choice, x: e.target.value })}>
          {names.map((n) => (
            <option key={n}>{n}</option>
          ))}
        </Select>
        <span className="text-muted-foreground">vs</span>
        <Select aria-label="Chart y" value={choice.y} onChange={(e) => setChoice({ ...choice, y: e.target.value })}>
          {columns.filter((c) => c.kind === 'number').map((c) => (
            <option key={c.name}>{c.name}</option>
          ))}
        </Select>
        <span className="text-muted-foreground">by</span>
        <Select aria-label="Chart series" value={choice.by ?? ''} onChange={(e) => setChoice({ ...choice, by: e.target.value || undefined })}>
          <option value="">(one series)</option>
          {columns.filter((c) => c.kind === 'text').map((c) => (
            <option key={c.name}>{c.name}</option>
          ))}
        </Select>
      </div>
      <div
        ref={host}
        data-testid="result-chart"
        data-points={plotted?.xs.length ?? 0}
        data-series={JSON.stringify(Object.fromEntries(plotted?.series.map((s) => [s.name, s.ys]) ?? []))}
        className="w-full"
      />
    </div>
  );
}
