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
 * The page's one DuckDB-WASM instance, created on first use. Its wasm and worker are emitted by the
 * bundler as the app's own hashed, immutable assets: nothing is fetched from a CDN.
 */
export function getDuckDb(): Promise<duckdb.AsyncDuckDB> {
  instance ??= (async () => {
    setState({ kind: 'loading' });
    const t0 = performance.now();
    // Cross-origin isolated (the query page's own headers), DuckDB runs on several threads.
    const threads = globalThis.crossOriginIsolated ? Math.min(4, navigator.hardwareConcurrency || 1) : 1;
    let db: duckdb.AsyncDuckDB;
    if (threads > 1) {
      db = new duckdb.AsyncDuckDB(new duckdb.VoidLogger(), new Worker(new URL('@duckdb/duckdb-wasm/dist/duckdb-browser-coi.worker.js', import.meta.url)));
      await db.instantiate(new URL('@duckdb/duckdb-wasm/dist/duckdb-coi.wasm', import.meta.url).href, new URL('@duckdb/duckdb-wasm/dist/duckdb-browser-coi.pthread.worker.js', import.meta.url).href);
      await db.open({ maximumThreads: threads });
    } else {
      db = new duckdb.AsyncDuckDB(new duckdb.VoidLogger(), new Worker(new URL('@duckdb/duckdb-wasm/dist/duckdb-browser-eh.worker.js', import.meta.url)));
      await db.instantiate(new URL('@duckdb/duckdb-wasm/dist/duckdb-eh.wasm', import.meta.url).href);
    }
    setState({ kind: 'ready', version: await db.getVersion(), threads, loadMs: Math.round(performance.now() - t0) });
    return db;
  })();
  instance.catch((err: unknown) => {
    instance = undefined;
    setState({ kind: 'error', message: (err as Error).message });
  });
  return instance;
}
