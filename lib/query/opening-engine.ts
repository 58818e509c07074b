import { createRequire } from 'node:module';
import type { DuckDBBindings } from '@duckdb/duckdb-wasm/blocking';
import { tableFromArrays, tableToIPC } from 'apache-arrow';
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
    warmUp(conn);
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

/**
 * An opening query's path once, on three rows (Arrow insert, a view, a sort, the result as IPC),
 * rolled back: its first run compiles code that runs once, 0.8–1.2 s measured here (load 17–21),
 * which the first page would otherwise wait for.
 */
function warmUp(conn: ReturnType<DuckDBBindings['connect']>): void {
  conn.query('BEGIN TRANSACTION');
  try {
    conn.insertArrowFromIPCStream(tableToIPC(tableFromArrays({ t: Float64Array.from([2, 1, 3]), s: ['a', 'b', 'c'], v: Float64Array.from([0.5, 1, 2]) }), 'stream'), { name: 'warm_up', create: true });
    conn.query('CREATE VIEW warm_up_view AS SELECT * FROM warm_up');
    conn.useUnsafe((bindings, id) => bindings.runQuery(id, 'SELECT t, s, v FROM warm_up_view ORDER BY t'));
  } finally {
    conn.query('ROLLBACK');
  }
}
