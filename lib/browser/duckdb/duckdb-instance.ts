import * as duckdb from '@duckdb/duckdb-wasm';

let instance: Promise<duckdb.AsyncDuckDB> | undefined;

/**
 * The page's one DuckDB-WASM instance, created on first use. Its wasm and worker are emitted by the
 * bundler as the app's own assets: nothing is fetched from a CDN.
 */
export function getDuckDb(): Promise<duckdb.AsyncDuckDB> {
  instance ??= (async () => {
    const worker = new Worker(new URL('@duckdb/duckdb-wasm/dist/duckdb-browser-eh.worker.js', import.meta.url));
    const db = new duckdb.AsyncDuckDB(new duckdb.VoidLogger(), worker);
    await db.instantiate(new URL('@duckdb/duckdb-wasm/dist/duckdb-eh.wasm', import.meta.url).href);
    return db;
  })();
  instance.catch(() => (instance = undefined));
  return instance;
}
