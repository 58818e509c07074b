import { atRecord, isJsonObject, jsonKind, PayloadError } from './payload-error';

/** ReadStep `NdJson` options (Kamu names). Only utf8 / rfc3339 are supported, as in Kamu. */
export interface NdJsonReadOptions {
  encoding?: string;
  dateFormat?: string;
  timestampFormat?: string;
}

const enum Char {
  Tab = 0x09,
  Lf = 0x0a,
  Cr = 0x0d,
  Space = 0x20,
  Quote = 0x22,
  Backslash = 0x5c,
  OpenBracket = 0x5b,
  CloseBracket = 0x5d,
  OpenBrace = 0x7b,
  CloseBrace = 0x7d,
}

function isJsonWhitespace(c: number): boolean {
  return c === Char.Space || c === Char.Lf || c === Char.Cr || c === Char.Tab;
}

/** Index just past the string starting at `i` (an opening quote), or the end of text if unterminated. */
function endOfString(text: string, i: number): number {
  for (i++; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === Char.Backslash) i++;
    else if (c === Char.Quote) return i + 1;
  }
  return text.length;
}

function endOfContainer(text: string, i: number): number {
  let depth = 0;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c === Char.Quote) {
      i = endOfString(text, i);
      continue;
    }
    if (c === Char.OpenBrace || c === Char.OpenBracket) depth++;
    else if ((c === Char.CloseBrace || c === Char.CloseBracket) && --depth === 0) return i + 1;
    i++;
  }
  return text.length;
}

/**
 * A piece that does not start a string, object or array runs to the end of its line: on a line of
 * its own it is one record ("not json at all" is one invalid record, not four), and a valid scalar
 * ("42") is still reported as a scalar.
 */
function endOfScalar(text: string, i: number): number {
  for (i++; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === Char.Lf || c === Char.Cr) break;
  }
  return i;
}

/**
 * Splits text into its top-level JSON values, separated by any (or no) whitespace: Kamu joins MQTT
 * payloads with a space and its JSON-lines reader accepts that. Only locates boundaries;
 * `JSON.parse` validates each piece.
 */
function splitTopLevelValues(text: string): string[] {
  const values: string[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (isJsonWhitespace(c)) {
      i++;
      continue;
    }
    const start = i;
    if (c === Char.OpenBrace || c === Char.OpenBracket) i = endOfContainer(text, i);
    else if (c === Char.Quote) i = endOfString(text, i);
    else i = endOfScalar(text, i);
    values.push(text.slice(start, i));
  }
  return values;
}

/** Records of an NdJson payload: one or more JSON objects. */
export function readNdJsonRecords(text: string): Record<string, unknown>[] {
  // Most MQTT messages hold one object: parse it whole and skip the scan when that works.
  try {
    const whole: unknown = JSON.parse(text);
    if (isJsonObject(whole)) return [whole];
  } catch {
    /* several values, or invalid: the scan below tells which */
  }
  const pieces = splitTopLevelValues(text);
  return pieces.map((piece, index) => {
    let value: unknown;
    try {
      value = JSON.parse(piece);
    } catch (err) {
      throw new PayloadError(atRecord(index, pieces.length, `invalid JSON: ${(err as Error).message}`));
    }
    if (!isJsonObject(value)) {
      throw new PayloadError(atRecord(index, pieces.length, `expected a JSON object, got ${jsonKind(value)}`));
    }
    return value;
  });
}
