import * as duckdb from '@duckdb/duckdb-wasm';

export type DuckDbState = { kind: 'not-loaded' } | { kind: 'loading' } | { kind: 'ready'; version: string; threads: number; loadMs: number } | { kind: 'error'; message: string };

/**
 * The engine's two files, emitted by the bundler as the app's own hashed, immutable assets (nothing
 * is fetched from a CDN). As paths, the same during server rendering and in the browser: the query
 * page's HTML names them in its early-start script (duckDbEarlyStartScript).
 *
 * The single-threaded `eh` build, always: the threaded `coi` build started about twice as slowly
 * here (2 cores, load 8–14: 22.6 s against 9.5 s to the first query), for a GROUP BY over
 * 1,000,000 rows at 1.9× native DuckDB instead of 2.3–3.5×. The `mvp` build is no smaller (its
 * wasm is 39 MB).
 */
const assetPath = (url: URL) => url.pathname + url.search;
export const DUCKDB_WORKER_PATH = assetPath(new URL('@duckdb/duckdb-wasm/dist/duckdb-browser-eh.worker.js', import.meta.url));
export const DUCKDB_WASM_PATH = assetPath(new URL('@duckdb/duckdb-wasm/dist/duckdb-eh.wasm', import.meta.url));

/**
 * Run on the engine's first connection, before any query of the page's: DuckDB would otherwise
 * install and load extensions a query needs from extensions.duckdb.org (which the page's CSP
 * refuses); a query needing one fails saying which, and nothing is fetched.
 */
const ENGINE_SETTINGS_SQL = 'SET autoinstall_known_extensions = false; SET autoload_known_extensions = false';

/** What the early-start script leaves for getDuckDb: the worker, and its instantiation under way. */
interface EarlyStart {
  worker: Worker;
  instantiated: Promise<void>;
  /** performance.now() when the script started the worker. */
  startedAt: number;
}
const EARLY_START_GLOBAL = '__sluiceDuckDbEarlyStart';

/**
 * An inline script for the query page's HTML that starts DuckDB-WASM as the HTML arrives: its
 * worker, the wasm's download and compilation and the engine's initialisation (about 1–1.5 s on 2
 * loaded cores) then overlap the page's own scripts loading and hydrating instead of following
 * them. It speaks the one message of duckdb-wasm's worker protocol that instantiates (the
 * `INSTANTIATE` request AsyncDuckDB.instantiate posts, answered by `OK` or `ERROR` with the
 * request's id); getDuckDb takes the worker over from there. A plain string, not a bundled
 * function: it runs before any of the page's scripts.
 */
export function duckDbEarlyStartScript(): string {
  return `(() => {
  if (window.${EARLY_START_GLOBAL} !== undefined) return;
  try {
    const startedAt = performance.mark('duckdb:worker-started').startTime;
    const worker = new Worker(${JSON.stringify(DUCKDB_WORKER_PATH)});
    const id = -1;
    const instantiated = new Promise((resolve, reject) => {
      const onMessage = (e) => {
        const r = e.data;
        if (r.requestId !== id || r.type === 'INSTANTIATE_PROGRESS') return;
        worker.removeEventListener('message', onMessage);
        if (r.type === 'OK') resolve();
        else reject(new Error((r.data && r.data.message) || 'DuckDB did not start'));
      };
      worker.addEventListener('message', onMessage);
      worker.addEventListener('error', () => reject(new Error('the DuckDB worker did not load')));
    });
    instantiated.catch(() => undefined);
    worker.postMessage({ messageId: id, type: 'INSTANTIATE', data: [new URL(${JSON.stringify(DUCKDB_WASM_PATH)}, location.href).href, null] });
    window.${EARLY_START_GLOBAL} = { worker, instantiated, startedAt };
  } catch {}
})();`;
}

/**
 * The early start, once: a second getDuckDb in the same page (after a failure) starts afresh. Left
 * null, so that a script parsed after the page's code began its own engine starts none.
 */
function takeEarlyStart(): EarlyStart | undefined {
  const w = window as unknown as Record<string, EarlyStart | null | undefined>;
  const early = w[EARLY_START_GLOBAL] ?? undefined;
  w[EARLY_START_GLOBAL] = null;
  return early;
}

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
 * The page's one DuckDB-WASM instance: the one the query page's early-start script began when the
 * page was loaded with it, else created here on first use (after client-side navigation, or a
 * failed start). Its `loadMs` counts from the worker's start.
 */
export function getDuckDb(): Promise<duckdb.AsyncDuckDB> {
  instance ??= (async () => {
    setState({ kind: 'loading' });
    const early = takeEarlyStart();
    const t0 = early?.startedAt ?? performance.now();
    let db: duckdb.AsyncDuckDB;
    if (early) {
      // Attached once instantiated: AsyncDuckDB would otherwise warn about the answer it did not ask for.
      await early.instantiated.catch((err: unknown) => {
        early.worker.terminate();
        throw err;
      });
      db = new duckdb.AsyncDuckDB(new duckdb.VoidLogger(), early.worker);
    } else {
      db = new duckdb.AsyncDuckDB(new duckdb.VoidLogger(), new Worker(DUCKDB_WORKER_PATH));
      await db.instantiate(new URL(DUCKDB_WASM_PATH, location.href).href);
    }
    performance.mark('duckdb:instantiated');
    // The database opens with the first connection: here, while the page may still be hydrating.
    const conn = await db.connect();
    await conn.query(ENGINE_SETTINGS_SQL);
    await conn.close();
    performance.mark('duckdb:ready');
    setState({ kind: 'ready', version: await db.getVersion(), threads: 1, loadMs: Math.round(performance.now() - t0) });
    return db;
  })();
  instance.catch((err: unknown) => {
    instance = undefined;
    setState({ kind: 'error', message: (err as Error).message });
  });
  return instance;
}
