import type { JsonValue } from '../data/row';
import { SluiceError } from '../errors';
import type { DataField, DataType } from '../odf/data-type';
import type { StagedBatch, StagedRow } from './ports';
import { dataSchemaOf, type SliceLayout } from './slice-layout';

/** Where a data schema (dataSchemaOf) holds the event time: after offset, op and system time; the data columns follow it. */
const EVENT_TIME = 3;

/**
 * A killed pull's staged rows, as the next pull's layout stores them. They were acknowledged to the
 * broker, so they are published whatever the read schema has become since: a batch staged under
 * another data schema is taken over by column name, and a column the schema gained is null for it.
 * What cannot be taken over without changing or losing what was staged is refused, naming it, until
 * the schema is changed back (nothing staged is lost meanwhile): a retyped column or event time
 * (cells were encoded for the old type), another event-time column, a column the schema now
 * requires or keys on that the rows lack (their redelivered copies would carry it: a different
 * key), and values in a column the schema dropped.
 */
export function takeOverStaged(batches: StagedBatch[], layout: SliceLayout, primaryKey: readonly string[], dataset: string): StagedRow[] {
  const now = dataSchemaOf(layout).fields;
  const nowJson = JSON.stringify(now);
  const other = batches.filter((b) => b.dataSchema && JSON.stringify(b.dataSchema.fields) !== nowJson);
  const refuse = (why: string): never => {
    throw new SluiceError(
      'SCHEMA_INVALID',
      `dataset "${dataset}": an interrupted pull staged ${rowCount(other)} rows (acknowledged to the broker, not yet in a slice) ${why}. ` +
        'Change it back until a pull has published them, then change it again',
    );
  };
  const rows: StagedRow[] = [];
  for (const batch of batches) {
    // Staged before batches recorded their schema, or under this very one: by position, as stored.
    if (!other.includes(batch)) {
      for (const r of batch.rows) rows.push(r);
      continue;
    }
    const was = batch.dataSchema!.fields;
    if (was[EVENT_TIME].name !== now[EVENT_TIME].name) refuse(`with "${was[EVENT_TIME].name}" as their event time; the read schema now takes "${now[EVENT_TIME].name}"`);
    for (const f of was.slice(EVENT_TIME)) {
      const next = now.find((n) => n.name === f.name);
      if (next && JSON.stringify(next.type) !== JSON.stringify(f.type)) refuse(`with column "${f.name}" as ${typeName(f.type)}; the read schema now makes it ${typeName(next.type)}`);
    }
    const wasData = was.slice(EVENT_TIME + 1);
    const from = layout.dataFields.map((f) => wasData.findIndex((w) => w.name === f.name));
    layout.dataFields.forEach((f: DataField, j) => {
      if (from[j] !== -1) return;
      if (f.type.kind !== 'Option') refuse(`without column "${f.name}", which the read schema now requires`);
      if (primaryKey.includes(f.name)) refuse(`without column "${f.name}", which the merge key now uses`);
    });
    wasData.forEach((w, i) => {
      if (!from.includes(i) && batch.rows.some((r) => (r.data[i] ?? null) !== null)) refuse(`with values in column "${w.name}", which the read schema no longer has`);
    });
    for (const r of batch.rows) rows.push({ op: r.op, eventTime: r.eventTime, data: from.map((i): JsonValue => (i === -1 ? null : (r.data[i] ?? null))) });
  }
  return rows;
}

/** Staged rows, and no read schema to publish them under: the source's schema was removed since (it is inferred now). */
export function stagedWithoutSchema(batches: StagedBatch[], dataset: string): SluiceError {
  const columns = batches.find((b) => b.dataSchema)?.dataSchema?.fields.slice(EVENT_TIME).map((f) => `${f.name} (${typeName(f.type)})`);
  return new SluiceError(
    'SCHEMA_INVALID',
    `dataset "${dataset}": an interrupted pull staged ${rowCount(batches)} rows (acknowledged to the broker, not yet in a slice) under a read schema, and the source has none now. ` +
      `Declare it again${columns ? ` (${columns.join(', ')})` : ''} until a pull has published them`,
  );
}

const rowCount = (batches: StagedBatch[]) => batches.reduce((n, b) => n + b.rows.length, 0);

const typeName = (t: DataType): string => (t.kind === 'Option' ? `optional ${typeName(t.inner)}` : t.kind);
