'use client';

import { useEffect, useMemo, useState } from 'react';
import type { Table } from 'apache-arrow';
import { UPlotChart } from '@/app/_components/chart/uplot-chart';
import { Select } from '@/app/_components/ui/input';
import { columnKind, suggestChart, type ChartChoice } from '@/lib/query/chart-suggestion';
import { alignSeries, MAX_SERIES, singleSeries, type ChartPoint, type PlotData } from '@/lib/query/chart-series';
import { cellFormatter, readCell } from '@/lib/query/format-cell';

/** Charts draw at most this many points (the first rows of the result). */
const MAX_POINTS = 200_000;

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

  const plotted = useMemo((): PlotData | undefined => {
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
      {plotted ? <UPlotChart type={choice.type} plot={plotted} x={choice.x} y={choice.y} /> : null}
    </div>
  );
}
