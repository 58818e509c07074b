import type { ColumnKind } from './column-kind';

/** Series drawn at most: a line per value stops being readable beyond this. */
export const MAX_SERIES = 12;

/** A point of a chart, and the series it belongs to (a value of the "by" column, or '' for one series). */
export interface ChartPoint {
  x: number;
  y: number | null;
  series: string;
}

export interface AlignedSeries {
  /** Every distinct x, ascending: uPlot draws all series over one shared x array. */
  xs: number[];
  /** One entry per series, in order of first appearance; null where a series has no point at an x. */
  series: { name: string; ys: (number | null)[] }[];
}

/** One series of every point (none merged), in x order unless `keepOrder` (bars keep the result's). */
export function singleSeries(points: readonly ChartPoint[], keepOrder: boolean): AlignedSeries {
  const ordered = keepOrder ? points : [...points].sort((a, b) => a.x - b.x);
  return { xs: ordered.map((p) => p.x), series: [{ name: '', ys: ordered.map((p) => p.y) }] };
}

/**
 * Aligns points of several series into uPlot's data shape (within a series, the last y at an x wins). Returns undefined when there are more than `maxSeries`
 * series: a line per value stops being readable, and the caller draws one series instead.
 */
export function alignSeries(points: readonly ChartPoint[], maxSeries: number): AlignedSeries | undefined {
  const names: string[] = [];
  const seen = new Set<string>();
  for (const p of points) {
    if (seen.has(p.series)) continue;
    if (names.length === maxSeries) return undefined;
    seen.add(p.series);
    names.push(p.series);
  }
  const xs = [...new Set(points.map((p) => p.x))].sort((a, b) => a - b);
  const at = new Map(xs.map((x, i) => [x, i]));
  const series = names.map((name) => ({ name, ys: new Array<number | null>(xs.length).fill(null) }));
  const index = new Map(names.map((n, i) => [n, i]));
  for (const p of points) series[index.get(p.series)!].ys[at.get(p.x)!] = p.y;
  return { xs, series };
}

/** What a chart draws: the aligned series over x of a kind, and for text x (bars) each x's label. */
export interface PlotData extends AlignedSeries {
  xKind: ColumnKind;
  labels: string[];
}
