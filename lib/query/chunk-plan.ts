/** An offset range [from, to] of whole slices, fetched (or cached) as one Arrow stream. */
export interface OffsetRange {
  from: number;
  to: number;
}

/**
 * Which ranges to load, in offset order, for the slices from offset `from` on: every range already
 * cached that starts where loading stands and ends on a slice boundary is reused; the rest is
 * grouped into new ranges of whole slices, each closed once it holds `maxRows` rows or reaches the
 * start of a cached range. Rows never change (a compaction merges slices, keeping every row), so a
 * cached range stays valid for good; a range
 * fetched while the dataset was smaller is simply followed by a new one.
 */
export function planChunks(slices: readonly OffsetRange[], cached: readonly OffsetRange[], from: number, maxRows: number): (OffsetRange & { cached: boolean })[] {
  const ends = new Set(slices.map((s) => s.to));
  const cachedByStart = new Map<number, OffsetRange>();
  for (const c of cached) if (ends.has(c.to) && (cachedByStart.get(c.from)?.to ?? -1) < c.to) cachedByStart.set(c.from, c);
  const plan: (OffsetRange & { cached: boolean })[] = [];
  // Loading may stand inside a slice: a compaction merged slices across it (its first range starts there).
  let i = slices.findIndex((s) => s.from <= from && from <= s.to);
  if (i < 0) return plan;
  while (i < slices.length) {
    const start = Math.max(slices[i].from, from);
    const hit = cachedByStart.get(start);
    if (hit) {
      plan.push({ ...hit, cached: true });
      while (i < slices.length && slices[i].from <= hit.to) i++;
      continue;
    }
    let to = slices[i].to;
    for (i++; i < slices.length && to - start + 1 < maxRows && !cachedByStart.has(slices[i].from); i++) to = slices[i].to;
    plan.push({ from: start, to, cached: false });
  }
  return plan;
}
