import { decodePayloadCell, decodeTextCell } from '../../data/cell-codec';
import type { Row } from '../../data/row';
import type { DataField, DataSchema } from '../../odf/data-type';
import { readCsvRecords } from './csv';
import { readJsonRecords } from './json';
import { readNdJsonRecords } from './ndjson';
import { atRecord, PayloadError } from './payload-error';
import { assertReaderConfig, type ReaderConfig } from './read-config';
import { type CellDecoder, recordToRow } from './record-to-row';

export { assertReaderConfig, ReadConfigError, UNSUPPORTED_READ_KINDS, type ReaderConfig } from './read-config';
export { TOPIC_COLUMN } from './record-to-row';

/** Rows of one message, or why the whole message goes to quarantine. */
export type ReadResult = { ok: true; rows: Row[] } | { ok: false; reason: string };

const utf8 = new TextDecoder('utf-8', { fatal: true });

const decodeCsvCell: CellDecoder = (type, value) =>
  value === null ? decodePayloadCell(type, null) : decodeTextCell(type, value as string);

/**
 * The most cells (records × schema fields) a message may become: one record's worth, and 4 more
 * per payload byte. A row takes ~43 bytes of memory a cell, and missing Option fields cost a
 * payload nothing: `{}` repeated over 60 kB against a 200-field schema made 4 million cells
 * (250 MB of rows). Real messages stay below (a dense JSON record carries a cell in 4 bytes or
 * more; a sparse one is a few fields of many, and one record is always allowed).
 */
export const CELLS_PER_PAYLOAD_BYTE = 4;

function toRows(
  records: Record<string, unknown>[],
  fields: readonly DataField[],
  topic: string,
  decode: CellDecoder,
  payloadBytes: number,
): Row[] {
  const cells = records.length * fields.length;
  const allowed = fields.length + CELLS_PER_PAYLOAD_BYTE * payloadBytes;
  if (cells > allowed) {
    throw new PayloadError(`${records.length} records × ${fields.length} fields = ${cells} cells from ${payloadBytes} bytes: more than the ${allowed} a message of this size may hold`);
  }
  return records.map((record, index) => {
    try {
      return recordToRow(fields, record, topic, decode);
    } catch (err) {
      if (err instanceof PayloadError) throw new PayloadError(atRecord(index, records.length, err.message));
      throw err;
    }
  });
}

/**
 * One MQTT message to typed rows with one key per schema field. All or nothing: any failing record
 * quarantines the whole message, so a message is never half ingested. A blank payload (such as the
 * empty message that clears a retained topic) yields no rows. Throws ReadConfigError only for an
 * unusable read step.
 */
export function readMessage(
  read: ReaderConfig,
  schema: DataSchema,
  msg: { topic: string; payload: Uint8Array },
  opts: { maxPayloadBytes: number },
): ReadResult {
  const text = payloadText(read, msg, opts);
  if (!text.ok) return text;
  if (/^\s*$/.test(text.text)) return { ok: true, rows: [] };

  try {
    const { fields } = schema;
    switch (read.kind) {
      case 'NdJson':
        return { ok: true, rows: toRows(readNdJsonRecords(text.text), fields, msg.topic, decodePayloadCell, msg.payload.byteLength) };
      case 'Json':
        return { ok: true, rows: toRows(readJsonRecords(text.text, read), fields, msg.topic, decodePayloadCell, msg.payload.byteLength) };
      case 'Csv': {
        const records = readCsvRecords(text.text, read, fields.map((f) => f.name));
        return { ok: true, rows: toRows(records, fields, msg.topic, decodeCsvCell, msg.payload.byteLength) };
      }
    }
  } catch (err) {
    if (err instanceof PayloadError) return { ok: false, reason: err.message };
    throw err;
  }
}

/**
 * The JSON records of a message before typing (NdJson and Json readers), for schema inference;
 * undefined when the payload cannot be read (readMessage then says why).
 */
export function readJsonPayloadRecords(
  read: Extract<ReaderConfig, { kind: 'NdJson' | 'Json' }>,
  msg: { payload: Uint8Array },
  opts: { maxPayloadBytes: number },
): Record<string, unknown>[] | undefined {
  const text = payloadText(read, msg, opts);
  if (!text.ok) return undefined;
  try {
    return read.kind === 'NdJson' ? readNdJsonRecords(text.text) : readJsonRecords(text.text, read);
  } catch (err) {
    if (err instanceof PayloadError) return undefined;
    throw err;
  }
}

function payloadText(
  read: ReaderConfig,
  msg: { payload: Uint8Array },
  opts: { maxPayloadBytes: number },
): { ok: true; text: string } | { ok: false; reason: string } {
  assertReaderConfig(read);
  const size = msg.payload.byteLength;
  if (size > opts.maxPayloadBytes) {
    return { ok: false, reason: `payload of ${size} bytes exceeds the limit of ${opts.maxPayloadBytes} bytes` };
  }
  try {
    return { ok: true, text: utf8.decode(msg.payload) };
  } catch {
    return { ok: false, reason: 'payload is not valid UTF-8' };
  }
}
