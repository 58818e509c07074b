import { SluiceError } from '../lib/errors';
import { MAX_TIMER_MS } from '../lib/ingest/timer-limit';

/** Parsers of command-line option values: each refuses what its option cannot use, saying why. */

/** Milliseconds a timer can wait: past MAX_TIMER_MS Node fires at once. */
function timer(v: string, n: number): number {
  if (n > MAX_TIMER_MS) throw new SluiceError('INVALID_INPUT', `"${v}" is longer than a timer can wait (at most ${MAX_TIMER_MS} ms, ~24.8 days)`);
  return n;
}

export function ms(v: string): number {
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || n < 0) throw new SluiceError('INVALID_INPUT', `"${v}" is not a number of milliseconds`);
  return timer(v, n);
}

export function count(v: string): number {
  // Digits only: Number() also reads "0x10", "1e3" and " 7 ".
  const n = /^[0-9]+$/.test(v) ? Number(v) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < 1) throw new SluiceError('INVALID_INPUT', `"${v}" is not a positive whole number`);
  return n;
}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** A duration: milliseconds, or with a unit (`500ms`, `1s`, `1.5s`, `2m`, `1h`). */
export function duration(v: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(v.trim());
  if (!m) throw new SluiceError('INVALID_INPUT', `"${v}" is not a duration (e.g. 1s, 500ms, 2m)`);
  return timer(v, Math.round(Number(m[1]) * UNIT_MS[m[2] ?? 'ms']));
}

/** A duration of at least a millisecond (an interval: 0 would commit without pause). */
export function positiveDuration(v: string): number {
  const n = duration(v);
  if (n < 1) throw new SluiceError('INVALID_INPUT', `"${v}" is too short: at least 1ms`);
  return n;
}
