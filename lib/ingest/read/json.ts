import { atRecord, isJsonObject, jsonKind, PayloadError } from './payload-error';

/** ReadStep `Json` options (Kamu names). */
export interface JsonReadOptions {
  /** Dot path to the array of records, e.g. "result.cities"; the root when absent. */
  subPath?: string;
  encoding?: string;
  dateFormat?: string;
  timestampFormat?: string;
}

/** Follows `subPath` through object keys, as Kamu does (a null or missing step is "not found"). */
function resolveSubPath(root: unknown, subPath: string): unknown {
  let value = root;
  for (const key of subPath.split('.')) {
    value = isJsonObject(value) && Object.hasOwn(value, key) ? value[key] : null;
    if (value === null) throw new PayloadError(`sub-path "${subPath}" not found`);
  }
  return value;
}

/**
 * Records of a Json payload: the array at `subPath` (root array if absent). Lenient extension: a
 * root object without `subPath` is one record, since a device usually publishes one reading.
 */
export function readJsonRecords(text: string, options: JsonReadOptions): Record<string, unknown>[] {
  let root: unknown;
  try {
    root = JSON.parse(text);
  } catch (err) {
    throw new PayloadError(`invalid JSON: ${(err as Error).message}`);
  }
  const { subPath } = options;
  const value = subPath ? resolveSubPath(root, subPath) : root;
  let records: unknown[];
  if (Array.isArray(value)) records = value;
  else if (!subPath && isJsonObject(value)) records = [value];
  else if (subPath) throw new PayloadError(`sub-path "${subPath}" is not an array (got ${jsonKind(value)})`);
  else throw new PayloadError(`expected a JSON array or object, got ${jsonKind(value)}`);

  return records.map((record, index) => {
    if (isJsonObject(record)) return record;
    throw new PayloadError(atRecord(index, records.length, `expected a JSON object, got ${jsonKind(record)}`));
  });
}
