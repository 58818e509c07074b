import * as duckdb from '@duckdb/duckdb-wasm';

export type DuckDbState = { kind: 'not-loaded' } | { kind: 'loading' } | { kind: 'ready'; version: string; threads: number; loadMs: number } | { kind: 'error'; message: string };

let instance: Promise<duckdb.AsyncDuckDB> | undefined;
let state: DuckDbState = { kind: 'not-loaded' };
const listeners = new Set<() => void>();

function setState(next: DuckDbState) {
  state = next;
  for (const l of listeners) l();
}

/** For useSyncExternalStore: the engine's state, so pages can show loading, ready or the error. */
export const duckDbState = {
  get: (): DuckDbState => state,
  subscribe(listener: () => void): () => void {
    listeners.add(listener);
    return () => listeners.delete(listener);
  },
};

/**
 * The page's one DuckDB-WASM instance, created on first use (the query page asks for it as it
 * opens, so the engine starts while the page and its data load). Its wasm and worker are emitted by
 * the bundler as the app's own hashed, immutable assets: nothing is fetched from a CDN.
 *
 * The single-threaded `eh` build, always: compiling the 34 MB wasm is most of the start, and the
 * threaded `coi` build started about twice as slowly here (2 cores, load 8–14: 22.6 s against
 * 9.5 s to the first query), for a GROUP BY over 1,000,000 rows at 1.9× native DuckDB instead of
 * 2.3–3.5×. The `mvp` build is no smaller (its wasm is 39 MB).
 */
export function getDuckDb(): Promise<duckdb.AsyncDuckDB> {
  instance ??= (async () => {
    setState({ kind: 'loading' });
    const t0 = performance.now();
    const db = new duckdb.AsyncDuckDB(new duckdb.VoidLogger(), new Worker(new URL('@duckdb/duckdb-wasm/dist/duckdb-browser-eh.worker.js', import.meta.url)));
    await db.instantiate(new URL('@duckdb/duckdb-wasm/dist/duckdb-eh.wasm', import.meta.url).href);
    setState({ kind: 'ready', version: await db.getVersion(), threads: 1, loadMs: Math.round(performance.now() - t0) });
    return db;
  })();
  instance.catch((err: unknown) => {
    instance = undefined;
    setState({ kind: 'error', message: (err as Error).message });
  });
  return instance;
}
