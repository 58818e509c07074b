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

/** A duration: milliseconds, or with a unit (`500ms`, `1s`, `1.5s`). */
export function duration(v: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s)?$/.exec(v.trim());
  if (!m) throw new SluiceError('INVALID_INPUT', `"${v}" is not a duration (e.g. 1s, 500ms)`);
  return timer(v, Number(m[1]) * (m[2] === 's' ? 1000 : 1));
}
