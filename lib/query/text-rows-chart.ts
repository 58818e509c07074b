import { alignSeries, MAX_SERIES, singleSeries, type ChartPoint, type PlotData } from './chart-series';
import { suggestChart, type ChartChoice } from './chart-suggestion';
import type { ColumnKind } from './column-kind';

/**
 * The chart rows of display text suggest (the Data tab's page: ISO times, numbers as digits, any
 * other text such as "∅" is no value), as the query page charts a result: a number over time, a
 * line per value of a text column. Times become uPlot's seconds. Undefined when nothing charts.
 */
export function textRowsChart(columns: readonly { name: string; kind: ColumnKind }[], rows: readonly string[][]): { choice: ChartChoice; plot: PlotData } | undefined {
  const choice = suggestChart([...columns]);
  if (!choice) return undefined;
  const [xi, yi, bi] = [choice.x, choice.y, choice.by].map((name) => columns.findIndex((c) => c.name === name));
  const bars = choice.type === 'bar';
  const xKind = bars ? 'text' : columns[xi].kind;
  const number = (text: string) => (text.trim() === '' ? null : Number.isFinite(Number(text)) ? Number(text) : null);
  const labels: string[] = [];
  const points: ChartPoint[] = [];
  rows.forEach((row, i) => {
    const x = bars ? i : xKind === 'time' ? Date.parse(row[xi]) / 1000 : number(row[xi]);
    if (x === null || !Number.isFinite(x)) return;
    labels[i] = row[xi];
    points.push({ x, y: number(row[yi]), series: bi >= 0 && !bars ? row[bi] : '' });
  });
  const aligned = (bi >= 0 && !bars && alignSeries(points, MAX_SERIES)) || singleSeries(points, bars);
  return { choice, plot: { xKind, labels, ...aligned } };
}
