/**
 * Exact decimal handling on strings, so Decimal(p, s) values never pass through binary floats.
 * The canonical form has no exponent, no leading zeros, no "+" and exactly `scale` fraction digits.
 */

const LITERAL_RE = /^([+-])?(?:(\d+)(?:\.(\d*))?|\.(\d+))(?:[eE]([+-]?\d+))?$/;

export type DecimalResult =
  | { ok: true; value: string }
  /** `syntax`: not a decimal literal; `scale`: too many fraction digits; `precision`: too many integer digits. */
  | { ok: false; problem: 'syntax' | 'scale' | 'precision' };

/**
 * Canonical text of a decimal literal ("12.5", "-1e3", ".5") for Decimal(precision, scale).
 * Values are never rounded: trailing fraction zeros are dropped, then more than `scale` fraction
 * digits or more than `precision - scale` integer digits is an error.
 */
export function canonicalDecimal(text: string, precision: number, scale: number): DecimalResult {
  const m = LITERAL_RE.exec(text);
  if (!m) return { ok: false, problem: 'syntax' };
  const [, sign, intPart = '', fracA, fracB, exp] = m;
  const allDigits = intPart + (fracA ?? fracB ?? '');
  const lead = allDigits.search(/[1-9]/);
  if (lead < 0) return { ok: true, value: scale > 0 ? `0.${'0'.repeat(scale)}` : '0' };

  // value = 0.<digits> × 10^point, with digits free of leading and trailing zeros
  const digits = allDigits.slice(lead).replace(/0+$/, '');
  const point = intPart.length + Number(exp ?? 0) - lead;
  if (digits.length - point > scale) return { ok: false, problem: 'scale' };
  if (point > precision - scale) return { ok: false, problem: 'precision' };

  const integer = point <= 0 ? '0' : digits.slice(0, point).padEnd(point, '0');
  const fraction = (point < 0 ? '0'.repeat(-point) + digits : digits.slice(point)).padEnd(scale, '0');
  const magnitude = scale > 0 ? `${integer}.${fraction}` : integer;
  return { ok: true, value: sign === '-' ? `-${magnitude}` : magnitude };
}

/** Numeric order of two canonical decimals of the same scale. */
export function compareDecimals(a: string, b: string): number {
  const negA = a.startsWith('-');
  const negB = b.startsWith('-');
  if (negA !== negB) return negA ? -1 : 1;
  const magA = negA ? a.slice(1) : a;
  const magB = negB ? b.slice(1) : b;
  // Same scale, so the longer integer part is larger and equal lengths compare as text.
  const byMagnitude = magA.length - magB.length || (magA < magB ? -1 : magA > magB ? 1 : 0);
  return negA ? -byMagnitude : byMagnitude;
}
