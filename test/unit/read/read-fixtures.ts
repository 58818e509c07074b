import type { Row } from '../../../lib/data/row';
import { readMessage, type ReaderConfig, type ReadResult } from '../../../lib/ingest/read/read-message';
import type { DataField } from '../../../lib/odf/data-type';

/** Kamu's reader-test schema: `city string not null, population int not null`. */
export const CITY_FIELDS: DataField[] = [
  { name: 'city', type: { kind: 'String' } },
  { name: 'population', type: { kind: 'Int32' } },
];

export function read(
  config: ReaderConfig,
  fields: DataField[],
  payload: string | Uint8Array,
  { topic = 'sensors/a/temperature', maxPayloadBytes = 65_536 } = {},
): ReadResult {
  const bytes = typeof payload === 'string' ? new TextEncoder().encode(payload) : payload;
  return readMessage(config, { fields }, { topic, payload: bytes }, { maxPayloadBytes });
}

export function rowsOf(result: ReadResult): Row[] {
  if (!result.ok) throw new Error(`expected rows, got quarantine: ${result.reason}`);
  return result.rows;
}

export function reasonOf(result: ReadResult): string {
  if (result.ok) throw new Error(`expected a quarantine, got ${result.rows.length} rows`);
  return result.reason;
}

export const CITIES: Row[] = [
  { city: 'A', population: 1000 },
  { city: 'B', population: 2000 },
  { city: 'C', population: 3000 },
];
