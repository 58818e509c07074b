/** How a dataset appears in SQL: its merge strategy decides what "current" means. */
export interface QueryableDataset {
  name: string;
  mergeKind: string;
  primaryKey: string[];
}

const quote = (id: string) => `"${id.replaceAll('"', '""')}"`;

/** The table every row is loaded into, system columns included. */
export function changelogTable(name: string): string {
  return `${name}__changelog`;
}

/**
 * SQL that defines the dataset's plain-name view: all rows for Append and Ledger (they never retract),
 * and for Snapshot, UpsertStream and ChangelogStream the current state — each key's latest row,
 * unless that row is a retraction (-R) — without the correction's old half (-C).
 */
export function currentStateViewSql(d: QueryableDataset): string {
  const source = quote(changelogTable(d.name));
  if (d.primaryKey.length === 0 || d.mergeKind === 'Append' || d.mergeKind === 'Ledger') {
    return `CREATE OR REPLACE VIEW ${quote(d.name)} AS SELECT * FROM ${source}`;
  }
  const keys = d.primaryKey.map(quote).join(', ');
  return `CREATE OR REPLACE VIEW ${quote(d.name)} AS SELECT * EXCLUDE (sluice_rank) FROM (
    SELECT *, row_number() OVER (PARTITION BY ${keys} ORDER BY "offset" DESC) AS sluice_rank FROM ${source} WHERE op <> 2
  ) WHERE sluice_rank = 1 AND op <> 1`;
}
