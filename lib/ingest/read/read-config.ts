import type { CsvReadOptions } from './csv';
import type { JsonReadOptions } from './json';
import type { NdJsonReadOptions } from './ndjson';

/** The read step of a source, as far as Sluice's readers use it (manifest ReadStep objects fit). */
export type ReaderConfig =
  | ({ kind: 'NdJson' } & NdJsonReadOptions)
  | ({ kind: 'Json' } & JsonReadOptions)
  | ({ kind: 'Csv' } & CsvReadOptions);

/** ODF read kinds that are valid in a manifest but describe files, not MQTT payloads. */
export const UNSUPPORTED_READ_KINDS = ['GeoJson', 'NdGeoJson', 'EsriShapefile', 'Parquet'] as const;

/** The read step cannot be used at all (wrong kind or unsupported option): a configuration problem, not a bad message. */
export class ReadConfigError extends Error {
  override name = 'ReadConfigError';
}

function checkOnly(kind: string, option: string, value: string | undefined, supported: string): void {
  if (value !== undefined && value !== supported) {
    throw new ReadConfigError(`${kind}.${option} "${value}" is not supported (only "${supported}")`);
  }
}

function checkSingleAscii(option: string, value: string | undefined): void {
  // Empty means "default", as in Kamu.
  if (value && !/^[\x00-\x7f]$/.test(value)) {
    throw new ReadConfigError(`Csv.${option} must be a single ASCII character, got ${JSON.stringify(value)}`);
  }
}

/**
 * Throws ReadConfigError unless `read` is a read step Sluice can apply to MQTT payloads, with the
 * same option limits as Kamu's readers (utf8 encoding, rfc3339 date/timestamp formats, one-character
 * CSV separator/quote/escape). Call it when a source is configured to fail early; `readMessage`
 * calls it too.
 */
export function assertReaderConfig(read: { kind: string }): asserts read is ReaderConfig {
  const { kind } = read;
  if (kind !== 'NdJson' && kind !== 'Json' && kind !== 'Csv') {
    throw new ReadConfigError(
      `read kind "${kind}" is not supported: Sluice reads NdJson, Json and Csv MQTT payloads`,
    );
  }
  const options = read as ReaderConfig;
  checkOnly(kind, 'encoding', options.encoding, 'utf8');
  checkOnly(kind, 'dateFormat', options.dateFormat, 'rfc3339');
  checkOnly(kind, 'timestampFormat', options.timestampFormat, 'rfc3339');
  if (options.kind === 'Csv') {
    checkSingleAscii('separator', options.separator);
    checkSingleAscii('quote', options.quote);
    checkSingleAscii('escape', options.escape);
  }
}
