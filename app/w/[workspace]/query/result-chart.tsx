'use client';

import { useEffect, useMemo, useRef, useState } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { Table } from 'apache-arrow';
import { Select } from '@/app/_components/ui/input';
import { columnKind, suggestChart, type ChartChoice } from '@/lib/query/chart-suggestion';
import { cellFormatter, readCell } from '@/lib/query/format-cell';

/** Charts draw at most this many points (the first rows of the result). */
const MAX_POINTS = 200_000;

const toNumber = (v: unknown) => (v === null || v === undefined || typeof v === 'symbol' ? null : typeof v === 'bigint' ? Number(v) : v instanceof Date ? v.getTime() : Number(v));

/** A line, scatter or bar chart of one numeric column against another column, drawn with uPlot. */
export function ResultChart({ table }: { table: Table }) {
  const columns = useMemo(() => table.schema.fields.map((f) => ({ name: f.name, kind: columnKind(f.type), type: f.type })), [table]);
  const suggested = useMemo(() => suggestChart(columns), [columns]);
  const [choice, setChoice] = useState<ChartChoice | undefined>(suggested);
  useEffect(() => setChoice(suggested), [suggested]);
  const host = useRef<HTMLDivElement>(null);

  const plotted = useMemo(() => {
    if (!choice) return undefined;
    const xi = columns.findIndex((c) => c.name === choice.x);
    const yi = columns.findIndex((c) => c.name === choice.y);
    if (xi < 0 || yi < 0) return undefined;
    const xKind = columns[xi].kind;
    const [xv, yv] = [table.getChildAt(xi)!, table.getChildAt(yi)!];
    const label = cellFormatter(columns[xi].type);
    const n = Math.min(table.numRows, MAX_POINTS);
    let points = Array.from({ length: n }, (_, i) => ({ x: xKind === 'text' ? i : toNumber(readCell(xv, i)), label: label(readCell(xv, i)), y: toNumber(readCell(yv, i)) }));
    points = points.filter((p) => p.x !== null && Number.isFinite(p.x));
    if (choice.type !== 'bar') points.sort((a, b) => a.x! - b.x!);
    // uPlot's time axis counts seconds.
    const xs = points.map((p) => (xKind === 'time' ? p.x! / 1000 : p.x!));
    return { xKind, xs, ys: points.map((p) => p.y), labels: points.map((p) => p.label) };
  }, [choice, columns, table]);

  useEffect(() => {
    if (!plotted || !choice || !host.current) return;
    const { xKind, xs, ys, labels } = plotted;
    const style = getComputedStyle(document.documentElement);
    const stroke = style.getPropertyValue('--primary').trim() || '#0e7490';
    const axis = { stroke: style.getPropertyValue('--muted-foreground').trim() || '#666', grid: { stroke: 'rgba(128,128,128,0.15)' } };
    const plot = new uPlot(
      {
        width: host.current.clientWidth || 800,
        height: 280,
        scales: { x: { time: xKind === 'time' } },
        axes: [xKind === 'text' ? { ...axis, values: (_u, splits) => splits.map((s) => labels[s] ?? '') } : axis, axis],
        series: [
          {},
          {
            label: choice.y,
            stroke,
            fill: choice.type === 'bar' ? stroke : undefined,
            paths: choice.type === 'bar' ? uPlot.paths.bars!({ size: [0.6] }) : choice.type === 'scatter' ? () => null : undefined,
            points: { show: choice.type === 'scatter', size: 5, fill: stroke },
          },
        ],
        legend: { show: false },
      },
      [xs, ys as (number | null)[]],
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
      </div>
      <div
        ref={host}
        data-testid="result-chart"
        data-points={plotted?.xs.length ?? 0}
        data-y={plotted?.ys.join(',') ?? ''}
        className="w-full"
      />
    </div>
  );
}
