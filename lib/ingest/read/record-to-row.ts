import { CellTypeError, decodePayloadCell } from '../../data/cell-codec';
import type { Cell, Row } from '../../data/row';
import type { DataField, DataType } from '../../odf/data-type';
import { PayloadError } from './payload-error';

/**
 * Sluice extension: a schema field with this name that the record does not carry is filled with the
 * MQTT topic the message arrived on, so one dataset can ingest a `sensors/+/temperature` wildcard.
 */
export const TOPIC_COLUMN = 'mqtt_topic';

export type CellDecoder = (type: DataType, value: unknown) => Cell;

function acceptsNull(type: DataType): boolean {
  return type.kind === 'Option' || type.kind === 'Null';
}

function decodeField(field: DataField, value: unknown, decode: CellDecoder): Cell {
  try {
    return decode(field.type, value);
  } catch (err) {
    if (err instanceof CellTypeError) throw new PayloadError(`field "${field.name}": ${err.message}`);
    throw err;
  }
}

/**
 * One record (JSON object, or CSV cells by column name) to a Row holding exactly the schema's
 * fields, in schema order. Keys outside the schema are ignored; an absent Option field is null; an
 * absent required field fails, as Kamu's typed readers do.
 */
export function recordToRow(
  fields: readonly DataField[],
  record: Record<string, unknown>,
  topic: string,
  decode: CellDecoder,
): Row {
  const row: Row = {};
  for (const field of fields) {
    const value = Object.hasOwn(record, field.name) ? record[field.name] : undefined;
    if (value !== undefined) {
      row[field.name] = decodeField(field, value, decode);
    } else if (field.name === TOPIC_COLUMN) {
      row[field.name] = decodeField(field, topic, decodePayloadCell);
    } else if (acceptsNull(field.type)) {
      row[field.name] = null;
    } else {
      throw new PayloadError(`missing required field "${field.name}"`);
    }
  }
  return row;
}
