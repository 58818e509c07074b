/**
 * Canonical JSON used for block hashes: object keys sorted by UTF-16 code units, no whitespace,
 * absent (undefined) members omitted, bigint written as its decimal digits (a JSON number).
 * The same value always serialises to the same bytes, whatever order it was built in.
 */
export function canonicalJson(value: unknown): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'bigint':
      return value.toString();
    case 'number':
      if (!Number.isFinite(value)) throw new Error(`cannot canonicalise non-finite number ${value}`);
      return JSON.stringify(value);
    case 'string':
    case 'boolean':
      return JSON.stringify(value);
    case 'object': {
      if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
      if (value instanceof Date) return JSON.stringify(value.toISOString());
      const entries = Object.entries(value as Record<string, unknown>)
        .filter(([, v]) => v !== undefined)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
    }
    default:
      throw new Error(`cannot canonicalise a ${typeof value}`);
  }
}

/**
 * JSON.stringify of a string, quoted by hand when it holds no character JSON escapes: the common
 * case (ids, names, readings), at about half the cost, the same text.
 */
export function jsonString(text: string): string {
  return JSON_ESCAPED.test(text) ? JSON.stringify(text) : `"${text}"`;
}

/** Characters JSON.stringify escapes: quote, backslash, controls and lone surrogates (any surrogate is taken for one here). */
const JSON_ESCAPED = /["\\\u0000-\u001f\ud800-\udfff]/;
