import { committedLayout } from '../datasets/dataset-layout';
import { effectiveVocab, findActivePollingSource, type DatasetSnapshot } from '../odf';
import { unwrapOption, type DataField, type DataSchema, type DataType } from '../odf/data-type';

/** How a dataset appears in SQL: its merge strategy decides what "current" means. */
export interface QueryableDataset {
  name: string;
  mergeKind: string;
  primaryKey: string[];
  /** Every column of `<name>__changelog`, system columns first: offset, op, system time, event time. */
  columns: string[];
  /** A first query: its first numeric column over event time, per value of its first text column (a chart at once); else its rows. */
  suggestedSql: string;
}

const NUMERIC = new Set<DataType['kind']>(['Int8', 'Int16', 'Int32', 'Int64', 'UInt8', 'UInt16', 'UInt32', 'UInt64', 'Float16', 'Float32', 'Float64', 'Decimal']);

/** A stored dataset as SQL sees it: merge strategy and key from its manifest, columns from its data schema. */
export function queryableDataset(d: { name: string; snapshot: DatasetSnapshot; dataSchema: DataSchema | null }): QueryableDataset {
  const merge = findActivePollingSource(d.snapshot.metadata)?.merge as { kind: string; primaryKey?: string[] } | undefined;
  const layout = committedLayout(d);
  const v = layout?.vocab ?? effectiveVocab(d.snapshot.metadata);
  const numeric = layout?.dataFields.find((f) => NUMERIC.has(unwrapOption(f.type).kind));
  const text = layout?.dataFields.find((f) => unwrapOption(f.type).kind === 'String');
  return {
    name: d.name,
    mergeKind: merge?.kind ?? 'Append',
    primaryKey: merge?.primaryKey ?? [],
    columns: [v.offsetColumn, v.operationTypeColumn, v.systemTimeColumn, v.eventTimeColumn, ...(layout?.dataFields.map((f) => f.name) ?? [])],
    suggestedSql: numeric
      ? `SELECT ${[v.eventTimeColumn, ...(text ? [text.name] : []), numeric.name].map(quoteIdent).join(', ')} FROM ${quoteIdent(d.name)} ORDER BY ${quoteIdent(v.eventTimeColumn)}`
      : `SELECT * FROM ${quoteIdent(d.name)} LIMIT 1000`,
  };
}

export const quoteIdent = (id: string) => `"${id.replaceAll('"', '""')}"`;

/** The raw table slices are appended to, out of the way in schema `sluice`. */
export function sliceTable(name: string): { schema: string; table: string; sql: string } {
  return { schema: 'sluice', table: name, sql: `sluice.${quoteIdent(name)}` };
}

/** The view of every committed row, system columns included. */
export function changelogView(name: string): string {
  return `${name}__changelog`;
}

/** DuckDB's widest decimal; wider ones stay text. */
const MAX_DECIMAL_PRECISION = 38;

function decimalOf(t: DataType): Extract<DataType, { kind: 'Decimal' }> | undefined {
  if (t.kind === 'Option') return decimalOf(t.inner);
  return t.kind === 'Decimal' && t.precision <= MAX_DECIMAL_PRECISION ? t : undefined;
}

/**
 * The two views over a dataset's raw slice table: `<name>__changelog`, every row with decimals (which
 * travel as exact text) cast back to DECIMAL; and the plain name — all rows for Append and Ledger
 * (they never retract), and for Snapshot, UpsertStream and ChangelogStream the current state: each
 * key's latest row, unless that row is a retraction (-R), without corrections' old halves (-C).
 */
export function datasetViewsSql(d: QueryableDataset, dataFields: readonly DataField[]): string[] {
  const casts = dataFields.flatMap((f) => {
    const dec = decimalOf(f.type);
    return dec ? [`CAST(${quoteIdent(f.name)} AS DECIMAL(${dec.precision}, ${dec.scale})) AS ${quoteIdent(f.name)}`] : [];
  });
  const changelog = quoteIdent(changelogView(d.name));
  const views = [`CREATE OR REPLACE VIEW ${changelog} AS SELECT *${casts.length ? ` REPLACE (${casts.join(', ')})` : ''} FROM ${sliceTable(d.name).sql}`];
  if (d.primaryKey.length === 0 || d.mergeKind === 'Append' || d.mergeKind === 'Ledger') {
    views.push(`CREATE OR REPLACE VIEW ${quoteIdent(d.name)} AS SELECT * FROM ${changelog}`);
  } else {
    // The system columns by the dataset's own names (SetVocab may rename them).
    const [offset, op] = d.columns.map(quoteIdent);
    const keys = d.primaryKey.map(quoteIdent).join(', ');
    views.push(`CREATE OR REPLACE VIEW ${quoteIdent(d.name)} AS SELECT * EXCLUDE (sluice_rank) FROM (
    SELECT *, row_number() OVER (PARTITION BY ${keys} ORDER BY ${offset} DESC) AS sluice_rank FROM ${changelog} WHERE ${op} <> 2
  ) WHERE sluice_rank = 1 AND ${op} <> 1`);
  }
  return views;
}
