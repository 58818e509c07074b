import type { AsyncDuckDBConnection } from '@duckdb/duckdb-wasm';
import type { DatasetSliceIndex } from '@/lib/query/dataset-arrow';
import { planChunks, type OffsetRange } from '@/lib/query/chunk-plan';
import { datasetViewsSql, quoteIdent, sliceTable, type QueryableDataset } from '@/lib/query/dataset-views';
import { sliceCache } from './slice-cache';

/** Rows per fetched Arrow range: large enough to keep requests few, small enough to stream. */
const CHUNK_ROWS = 250_000;

/** What the page has in DuckDB for a dataset: the instance and layout, and the offset loading reached. */
export interface LoadedDataset {
  scope: string;
  nextOffset: number;
}

export interface LoadStats {
  rows: number;
  /** Compressed bytes from the network, and from the browser's cache. */
  fetchedBytes: number;
  cachedBytes: number;
  /** Size of the Arrow data inserted. */
  arrowBytes: number;
  /** Time spent waiting for bytes (network or cache), and inserting them into DuckDB. */
  waitMs: number;
  insertMs: number;
}

const apiBase = (workspace: string, name: string) => `/api/w/${encodeURIComponent(workspace)}/datasets/${encodeURIComponent(name)}`;

/** Slice data travels and is cached zlib-compressed (about 5× smaller); the browser inflates it natively. */
async function inflate(zlib: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([zlib.slice()]).stream().pipeThrough(new DecompressionStream('deflate'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

async function fetchOk(url: string): Promise<Response> {
  const res = await fetch(url);
  if (!res.ok) {
    const body = (await res.json().catch(() => null)) as { message?: string } | null;
    throw new Error(`loading ${url.split('/datasets/')[1]}: ${body?.message ?? res.statusText} (${res.status})`);
  }
  return res;
}

/** A dataset's new slices on their way from the cache or the network, ready to insert (readDataset). */
export interface PendingDataset {
  dataset: QueryableDataset;
  index: DatasetSliceIndex;
  scope: string;
  /** The table is (re)created: the dataset is new to the page, replaced, or its layout changed. */
  fresh: boolean;
  from: number;
  plan: OffsetRange[];
  bytes: Promise<{ zlib: number; ipc: Uint8Array; cached: boolean }>[];
}

/**
 * Reads what a dataset's table in this page's DuckDB lacks to reach the committed head: only slices
 * past what is already loaded, each range from the IndexedDB cache when held, else fetched (all
 * missing ranges at once) and cached. Needs no engine: the first query reads while DuckDB starts.
 */
export async function readDataset(workspace: string, d: QueryableDataset, loaded: LoadedDataset | undefined): Promise<PendingDataset> {
  const base = apiBase(workspace, d.name);
  const family = `${workspace}/${d.name}`;
  const scopeOf = (i: DatasetSliceIndex) => `${family}|${i.datasetId}|${i.schemaKey ?? 'empty'}`;
  const listSlices = async (after = '') => (await (await fetchOk(`${base}/slices${after}`)).json()) as DatasetSliceIndex;
  // Holding rows up to some offset, the page asks only for the slices after it; if the dataset was
  // replaced or its layout changed meanwhile, for all of them.
  let index = await listSlices(loaded && loaded.nextOffset > 0 ? `?after=${loaded.nextOffset - 1}` : '');
  if (loaded && loaded.nextOffset > 0 && scopeOf(index) !== loaded.scope) index = await listSlices();
  const scope = scopeOf(index);
  const fresh = loaded?.scope !== scope;
  if (fresh) void sliceCache.dropOtherScopes(family, scope);
  const from = fresh ? 0 : loaded.nextOffset;
  const ranges = index.slices.map((s) => ({ from: s.offsetStart, to: s.offsetEnd }));
  const plan = index.schemaKey ? planChunks(ranges, await sliceCache.ranges(scope), from, CHUNK_ROWS) : [];
  const bytes = plan.map(async (r) => {
    const cached = r.cached ? await sliceCache.get(scope, r) : undefined;
    if (cached) {
      const ipc = await inflate(cached).catch(() => undefined);
      if (ipc) return { zlib: cached.byteLength, ipc, cached: true };
      void sliceCache.delete(scope, r); // damaged in storage: fetched again below
    }
    const q = new URLSearchParams({ id: index.datasetId, schema: index.schemaKey!, from: String(r.from), to: String(r.to) });
    const zlib = new Uint8Array(await (await fetchOk(`${base}/arrow?${q}`)).arrayBuffer());
    const ipc = await inflate(zlib);
    void sliceCache.put(scope, r, zlib); // only once it proved whole
    return { zlib: zlib.byteLength, ipc, cached: false };
  });
  for (const b of bytes) b.catch(() => undefined); // the first failure is reported on insert; the rest are moot
  return { dataset: d, index, scope, fresh, from, plan, bytes };
}

/**
 * Brings the dataset's table in this page's DuckDB up to the head readDataset read: the raw rows go
 * to `sluice.<name>`; the views are (re)defined on top.
 */
export async function insertDataset(conn: AsyncDuckDBConnection, pending: PendingDataset): Promise<{ loaded: LoadedDataset; stats: LoadStats }> {
  const { dataset: d, index, scope, fresh, from, plan, bytes } = pending;
  const table = sliceTable(d.name);
  if (fresh) await conn.query(`CREATE SCHEMA IF NOT EXISTS ${table.schema}; DROP TABLE IF EXISTS ${table.sql}`);
  const stats: LoadStats = { rows: 0, fetchedBytes: 0, cachedBytes: 0, arrowBytes: 0, waitMs: 0, insertMs: 0 };
  let created = !fresh;
  // All or nothing: a range that fails leaves the table as it was, so the next run loads it again
  // instead of holding some rows twice.
  await conn.query('BEGIN TRANSACTION');
  try {
    for (const [i, pendingBytes] of bytes.entries()) {
      const t0 = performance.now();
      const { zlib, ipc, cached } = await pendingBytes;
      const t1 = performance.now();
      stats.waitMs += t1 - t0;
      if (cached) stats.cachedBytes += zlib;
      else stats.fetchedBytes += zlib;
      stats.arrowBytes += ipc.byteLength;
      // Transferred to DuckDB's worker: `ipc` is detached (empty) after this.
      await conn.insertArrowFromIPCStream(ipc, { schema: table.schema, name: table.table, create: !created });
      created = true;
      stats.insertMs += performance.now() - t1;
      stats.rows += plan[i].to - plan[i].from + 1;
    }
    await conn.query('COMMIT');
  } catch (err) {
    await conn.query('ROLLBACK');
    throw err;
  }
  if (!created) {
    // No data yet: an empty table with the system columns, so the names resolve.
    const [offset, op, systemTime, eventTime] = d.columns.map(quoteIdent);
    await conn.query(`CREATE TABLE ${table.sql} (${offset} BIGINT, ${op} TINYINT, ${systemTime} TIMESTAMP, ${eventTime} TIMESTAMP)`);
  }
  if (fresh) for (const sql of datasetViewsSql(d, index.dataFields)) await conn.query(sql);
  const last = index.slices.at(-1);
  return { loaded: { scope, nextOffset: last ? last.offsetEnd + 1 : from }, stats };
}

/**
 * Empties the catalog of the page's DuckDB (one per tab, kept across client-side navigation): a
 * query page starts with only its own workspace's datasets, not views left by another page.
 */
export async function resetCatalog(conn: AsyncDuckDBConnection): Promise<void> {
  const objects = await conn.query(
    `SELECT 'VIEW' AS kind, schema_name, view_name AS name FROM duckdb_views() WHERE NOT internal AND database_name = current_database()
     UNION ALL SELECT 'TABLE', schema_name, table_name FROM duckdb_tables() WHERE NOT internal AND database_name = current_database()
     ORDER BY kind DESC`,
  );
  for (const o of objects.toArray() as { kind: string; schema_name: string; name: string }[]) {
    await conn.query(`DROP ${o.kind} IF EXISTS ${quoteIdent(o.schema_name)}.${quoteIdent(o.name)}`);
  }
}
