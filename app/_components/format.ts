/** "2026-11-25 17:20:01Z": RFC 3339 UTC without the T and milliseconds, for dense tables. */
export function formatTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}Z`;
}

export function formatDuration(ms: number | null): string {
  if (ms === null) return '—';
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}

export function formatCount(n: number | string): string {
  return BigInt(n).toLocaleString('en-US');
}

export function statusTone(status: string): 'success' | 'danger' | 'info' | 'neutral' {
  if (status === 'updated') return 'success';
  if (status === 'failed') return 'danger';
  if (status === 'running') return 'info';
  return 'neutral';
}

/** A pull's or schedule run's outcome in words ("up_to_date" → "Up to date"). */
export function statusLabel(status: string): string {
  const words = status.replaceAll('_', ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** "1 row", "2 rows", "1,234 messages" (row counts may be bigints, or their decimal text). */
export function plural(n: number | bigint | string, word: string): string {
  const count = typeof n === 'string' ? BigInt(n) : n;
  return `${count.toLocaleString('en-US')} ${word}${String(count) === '1' ? '' : 's'}`;
}
