import { createRequire } from 'node:module';
import type { DuckDBBindings } from '@duckdb/duckdb-wasm/blocking';
import { provideOpeningEngine } from './opening-result';

/** The engine's lockdown, before any data: the server's copy reads no file, URL or extension. */
const LOCKDOWN_SQL = 'SET autoinstall_known_extensions = false; SET autoload_known_extensions = false; SET enable_external_access = false; SET lock_configuration = true';

/**
 * Starts the server's engine for the query page's opening results (lib/query/opening-result.ts):
 * the same DuckDB-WASM build as the page's (its `eh` wasm, run by the package's blocking Node
 * binding), so that the server's result is the browser's by construction — same engine version,
 * same Arrow insert, same views — which native DuckDB (another version, and no Arrow IPC reader
 * without an extension) could not promise. Its start takes 1–3 s of one core, in the background.
 * A failed start leaves the page without a server result (logged), as before this existed.
 */
export function startOpeningEngine(): Promise<DuckDBBindings> {
  const engine = (async () => {
    const require = createRequire(import.meta.url);
    const { createDuckDB, NODE_RUNTIME, VoidLogger } = require('@duckdb/duckdb-wasm/dist/duckdb-node-blocking.cjs') as typeof import('@duckdb/duckdb-wasm/blocking');
    const wasm = require.resolve('@duckdb/duckdb-wasm/dist/duckdb-eh.wasm');
    const db = await createDuckDB({ mvp: { mainModule: wasm, mainWorker: '' }, eh: { mainModule: wasm, mainWorker: '' } }, new VoidLogger(), NODE_RUNTIME);
    await db.instantiate();
    const conn = db.connect();
    conn.query(LOCKDOWN_SQL);
    conn.close();
    return db;
  })();
  provideOpeningEngine(engine);
  engine.catch((err: unknown) => {
    provideOpeningEngine(undefined);
    console.error(`the query page's server-side engine did not start: ${(err as Error).message}`);
  });
  return engine;
}
