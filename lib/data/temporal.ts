/**
 * Parsing of the textual temporal forms Sluice accepts (RFC 3339 timestamps, ISO dates and times).
 * Hand-written rather than `Date.parse`, whose accepted formats are implementation-defined and which
 * reads offset-less date-times as local time.
 */

const MS_PER_DAY = 86_400_000;

/** Largest |epoch ms| a JS Date can represent; beyond it a timestamp cannot be displayed. */
export const MAX_EPOCH_MS = 8_640_000_000_000_000;

// Date, then optionally a time (separator T, t or space as DataFusion also accepts) with up to
// nanosecond fraction and an offset. A bare date is midnight UTC, as in Arrow's parser.
const TIMESTAMP_RE =
  /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:([Zz])|([+-])(\d{2}):(\d{2}))?)?$/;
const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const TIME_RE = /^(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?$/;

/** Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's `days_from_civil`). */
function epochDay(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}

function isValidDate(year: number, month: number, day: number): boolean {
  if (month < 1 || month > 12 || day < 1) return false;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1];
  return day <= days;
}

/** Fraction digits ("5", "123456") truncated to whole milliseconds. */
function fractionToMs(fraction: string | undefined): number {
  return fraction ? Number(fraction.slice(0, 3).padEnd(3, '0')) : 0;
}

/**
 * RFC 3339 text to epoch milliseconds (UTC), sub-millisecond digits truncated; no offset means UTC
 * (as Kamu/DataFusion read naive date-times). Returns undefined when the text is not valid.
 */
export function parseTimestampMs(text: string): number | undefined {
  const common = parseCommonTimestampMs(text);
  if (common !== undefined) return common;
  const m = TIMESTAMP_RE.exec(text);
  if (!m) return undefined;
  const [, y, mo, d, h = '0', mi = '0', s = '0', fraction, zulu, sign, oh, om] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  if (!isValidDate(year, month, day) || hour > 23 || minute > 59 || second > 59) return undefined;
  let offsetMinutes = 0;
  if (!zulu && sign) {
    const offH = Number(oh);
    const offM = Number(om);
    if (offH > 23 || offM > 59) return undefined;
    offsetMinutes = (sign === '-' ? -1 : 1) * (offH * 60 + offM);
  }
  return (
    epochDay(year, month, day) * MS_PER_DAY +
    ((hour * 60 + minute - offsetMinutes) * 60 + second) * 1000 +
    fractionToMs(fraction)
  );
}

/**
 * The form nearly every device sends, "YYYY-MM-DDTHH:MM:SS.mmmZ" (toISOString's), read without the
 * regexp and its match array (per message, a pull's costliest cell): the value parseTimestampMs
 * gives for it. Undefined for any other text, and for an invalid date or time in this form: the
 * general path then decides.
 */
function parseCommonTimestampMs(text: string): number | undefined {
  if (text.length !== 24 || text.charCodeAt(10) !== 0x54 /* T */ || text.charCodeAt(23) !== 0x5a /* Z */) return undefined;
  if (text.charCodeAt(4) !== 0x2d || text.charCodeAt(7) !== 0x2d || text.charCodeAt(13) !== 0x3a || text.charCodeAt(16) !== 0x3a || text.charCodeAt(19) !== 0x2e) return undefined;
  const year = digitsAt(text, 0, 4);
  const month = digitsAt(text, 5, 2);
  const day = digitsAt(text, 8, 2);
  const hour = digitsAt(text, 11, 2);
  const minute = digitsAt(text, 14, 2);
  const second = digitsAt(text, 17, 2);
  const ms = digitsAt(text, 20, 3);
  if (year < 0 || month < 0 || day < 0 || hour < 0 || minute < 0 || second < 0 || ms < 0) return undefined;
  if (!isValidDate(year, month, day) || hour > 23 || minute > 59 || second > 59) return undefined;
  return epochDay(year, month, day) * MS_PER_DAY + ((hour * 60 + minute) * 60 + second) * 1000 + ms;
}

/** The decimal number written by `count` ASCII digits at `start`, or -1 if any is not a digit. */
function digitsAt(text: string, start: number, count: number): number {
  let n = 0;
  for (let i = start; i < start + count; i++) {
    const d = text.charCodeAt(i) - 0x30;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}

/** True for a valid calendar date written exactly as YYYY-MM-DD. */
export function isIsoDate(text: string): boolean {
  const m = DATE_RE.exec(text);
  return m !== null && isValidDate(Number(m[1]), Number(m[2]), Number(m[3]));
}

/** "HH:MM:SS[.f…]" to the canonical "HH:MM:SS[.fff]" (milliseconds, omitted when zero); else undefined. */
export function canonicalTime(text: string): string | undefined {
  const m = TIME_RE.exec(text);
  if (!m || Number(m[1]) > 23 || Number(m[2]) > 59 || Number(m[3]) > 59) return undefined;
  const ms = fractionToMs(m[4]);
  const base = `${m[1]}:${m[2]}:${m[3]}`;
  return ms === 0 ? base : `${base}.${String(ms).padStart(3, '0')}`;
}

/** "00".."59" and "000".."999": the time-of-day fields isoTimestamp writes. */
const TWO_DIGITS = Array.from({ length: 60 }, (_, i) => String(i).padStart(2, '0'));
const THREE_DIGITS = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, '0'));
/** The UTC day isoTimestamp last formatted, and its date text up to the "T" (as toISOString writes it). */
let isoDay = NaN;
let isoDayPrefix = '';

/**
 * `new Date(ms).toISOString()`, for the rows of a slice (which share a few days): the date part is
 * toISOString's own, once per UTC day (so any year, negative or beyond 9999, is written as it
 * writes it), the time of day is written by hand. Anything but an integer within Date's range
 * takes toISOString itself (which throws for an invalid time, as before).
 */
export function isoTimestamp(ms: number): string {
  if (!Number.isInteger(ms) || Math.abs(ms) > MAX_EPOCH_MS) return new Date(ms).toISOString();
  const day = Math.floor(ms / MS_PER_DAY);
  if (day !== isoDay) {
    isoDayPrefix = new Date(day * MS_PER_DAY).toISOString().slice(0, -13);
    isoDay = day;
  }
  const t = ms - day * MS_PER_DAY;
  const seconds = Math.floor(t / 1000);
  const minutes = Math.floor(seconds / 60);
  return `${isoDayPrefix}${TWO_DIGITS[Math.floor(minutes / 60)]}:${TWO_DIGITS[minutes % 60]}:${TWO_DIGITS[seconds % 60]}.${THREE_DIGITS[t % 1000]}Z`;
}
