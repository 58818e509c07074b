/**
 * Axis and legend text for charts, in the console's own format: ISO 8601 in UTC (uPlot's default is
 * the browser's local time as "12/5/26 2:42am"). uPlot's time scale counts seconds.
 */

const DAY = 86_400;

/** "2026-11-25 10:02:03Z" (milliseconds only when there are some): the legend's time. */
export function isoTime(seconds: number): string {
  const iso = new Date(Math.round(seconds * 1000)).toISOString();
  return `${iso.slice(0, 10)} ${iso.endsWith('.000Z') ? iso.slice(11, 19) : iso.slice(11, 23)}Z`;
}

/**
 * Labels of a time axis's ticks, `increment` seconds apart: dates alone for steps of a day or more;
 * otherwise the time of day (minutes, seconds or milliseconds as the step needs), with the date
 * beneath it on the first tick and wherever the date changes.
 */
export function timeAxisLabels(splits: readonly number[], increment: number): string[] {
  let lastDate = '';
  return splits.map((s) => {
    const iso = new Date(Math.round(s * 1000)).toISOString();
    const date = iso.slice(0, 10);
    if (increment >= DAY) return date;
    const time = increment % 60 === 0 ? iso.slice(11, 16) : increment % 1 === 0 ? iso.slice(11, 19) : iso.slice(11, 23);
    const label = date === lastDate ? `${time}Z` : `${time}Z\n${date}`;
    lastDate = date;
    return label;
  });
}

/** A value axis that includes zero, padded by a tenth: bar heights compare only from zero. */
export function zeroBasedRange(min: number, max: number): [number, number] {
  const lo = Math.min(0, min);
  const hi = Math.max(0, max);
  const pad = (hi - lo) / 10 || 1;
  return [lo < 0 ? lo - pad : 0, hi > 0 || lo === 0 ? hi + pad : 0];
}

/**
 * Which bars (0…n-1) get a label so that labels of `labelPx` each fit in `widthPx`: every bar when
 * there is room, else every k-th. Bars sit at whole numbers, and only there are ticks.
 */
export function barLabelSplits(n: number, widthPx: number, labelPx: number): number[] {
  const step = Math.max(1, Math.ceil((n * labelPx) / Math.max(widthPx, labelPx)));
  return Array.from({ length: Math.ceil(n / step) }, (_, i) => i * step);
}

/** A bar label cut to `max` characters (the full text is in the legend and the table). */
export function shortLabel(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
