'use client';

import { FileDown, Play, Square } from 'lucide-react';
import { Table as ArrowTable, tableFromIPC, type RecordBatch } from 'apache-arrow';
import { Suspense, use, useEffect, useMemo, useRef, useState, useSyncExternalStore } from 'react';
import { CodeEditor, type CodeIssue } from '@/app/_components/code-editor';
import { Button } from '@/app/_components/ui/button';
import { insertDataset, readDataset, resetCatalog, type LoadedDataset, type LoadStats } from '@/lib/browser/duckdb/dataset-loader';
import { duckDbEarlyStartScript, duckDbState, getDuckDb, type DuckDbState } from '@/lib/browser/duckdb/duckdb-instance';
import { resultToCsv, resultToParquet } from '@/lib/browser/query/result-downloads';
import { saveBlob } from '@/lib/browser/save-blob';
import type { QueryableDataset } from '@/lib/query/dataset-views';
import { datasetCompletionSource } from '@/lib/query/sql-completion';
import { datasetsNamedIn } from '@/lib/query/sql-dataset-names';
import { sqlErrorPosition } from '@/lib/query/sql-error';
import type { SavedQuerySummary } from '@/lib/server/saved-queries';
import { ResultChart } from './result-chart';
import { ResultGrid } from './result-grid';
import { SavedQueries, type OpenedQuery } from './saved-queries';

type Status =
  | { kind: 'waiting' }
  | { kind: 'loading'; what: string }
  | { kind: 'running' }
  | { kind: 'done'; ms: number; rows: number; complete: boolean; run: number }
  | { kind: 'cancelled' }
  | { kind: 'error'; message: string };

// The engine starts whether or not a query runs at once: its start is most of the wait for a first
// result. Loaded with the page's HTML, the page's early-start script began it already (getDuckDb
// takes it over); after a client-side navigation, it starts as this module runs, before React
// hydrates. A failure shows in the engine's badge, and the next getDuckDb() tries again.
if (typeof window !== 'undefined') getDuckDb().catch(() => undefined);

/**
 * Whether a query console has used the tab's engine yet: the first finds its catalog empty, and
 * emptying it (resetCatalog) would be the engine's first SQL, 0.6–0.8 s of code that runs once
 * (2 cores at load 18), on the way to the first result.
 */
let catalogUsed = false;

/** Rows of a result kept in the page (grid, chart, downloads); reading stops there. */
const MAX_ROWS = 1_000_000;

const size = (bytes: number) => (bytes < 1_048_576 ? `${(bytes / 1024).toFixed(1)} kB` : `${(bytes / 1_048_576).toFixed(1)} MB`);

/**
 * SQL over the workspace's datasets, in this browser (DuckDB-WASM): each dataset is a view named
 * after it, loaded slice by slice from the server (and the browser's cache) when a query names it.
 * With `runOnOpen` the initial query runs when the page opens; `serverResult`, the server's result
 * of that query (the page's own suggestion), is shown until the browser's first run ends.
 */
export function QueryConsole({ workspace, datasets, initialSql, runOnOpen, savedQueries, initialActiveId, serverResult }: {
  workspace: string;
  datasets: QueryableDataset[];
  initialSql: string;
  runOnOpen: boolean;
  savedQueries: SavedQuerySummary[];
  initialActiveId?: string;
  serverResult?: Promise<Uint8Array | undefined>;
}) {
  const [sql, setSql] = useState(initialSql);
  const [activeId, setActiveId] = useState(initialActiveId);
  // A query that runs as the page opens (see below) starts out loading.
  const [status, setStatus] = useState<Status>(runOnOpen ? { kind: 'loading', what: 'DuckDB' } : { kind: 'waiting' });
  const [issues, setIssues] = useState<CodeIssue[]>([]);
  const [result, setResult] = useState<ArrowTable | null>(null);
  const [loads, setLoads] = useState<{ name: string; ms: number; stats: LoadStats }[]>([]);
  const engine = useSyncExternalStore(duckDbState.subscribe, duckDbState.get, () => ({ kind: 'not-loaded' }) as DuckDbState);
  const loaded = useRef(new Map<string, LoadedDataset>());
  const catalogReset = useRef(false);
  const running = useRef<{ cancelSent(): Promise<boolean> } | null>(null);
  const cancelRequested = useRef(false);
  const completions = useMemo(() => datasetCompletionSource(datasets), [datasets]);
  const activeSql = savedQueries.find((q) => q.id === activeId)?.sql;

  /** The browser's first run ended (result, error or cancel): the server's result has served. */
  const [firstRunEnded, setFirstRunEnded] = useState(false);
  const busy = useRef(false);
  /** Completed runs, shown as data-runs for scripts that time repeated runs. */
  const runs = useRef(0);
  const run = async (text = sql) => {
    // One query at a time (Ctrl/Cmd+Enter works while Run is disabled).
    if (busy.current) return;
    busy.current = true;
    cancelRequested.current = false;
    // The query is in the address, so the link shares it: the saved query's id while it is unchanged.
    window.history.replaceState(null, '', activeId && text === activeSql ? `?q=${encodeURIComponent(activeId)}` : `?sql=${encodeURIComponent(text)}`);
    setIssues([]);
    try {
      setStatus({ kind: 'loading', what: 'DuckDB' });
      // The named datasets' data is read (cache or network) while the engine starts, not after.
      const reads = datasetsNamedIn(text, datasets).map((d) => ({ d, pending: readDataset(workspace, d, loaded.current.get(d.name)) }));
      for (const r of reads) r.pending.catch(() => undefined); // reported in turn below
      const db = await getDuckDb();
      const conn = await db.connect();
      try {
        if (!catalogReset.current) {
          if (catalogUsed) await resetCatalog(conn);
          catalogUsed = true;
          catalogReset.current = true;
        }
        for (const { d, pending } of reads) {
          setStatus({ kind: 'loading', what: d.name });
          // The time the query waits for this dataset once the engine is ready (its read began earlier).
          const t0 = performance.now();
          const synced = await pending.then((p) => insertDataset(conn, p)).catch((err: unknown) => {
            loaded.current.delete(d.name); // loaded afresh next time
            throw err;
          });
          loaded.current.set(d.name, synced.loaded);
          if (synced.stats.rows > 0) setLoads((l) => [...l.filter((x) => x.name !== d.name), { name: d.name, ms: Math.round(performance.now() - t0), stats: synced.stats }]);
        }
        performance.mark('query:datasets-loaded');
        const queryStart = performance.now();
        setStatus({ kind: 'running' });
        running.current = conn;
        // Sent, not queried: a sent query can be cancelled, and its batches arrive one by one.
        const reader = await conn.send(text, true);
        const batches: RecordBatch[] = [];
        let rows = 0;
        for await (const batch of reader) {
          batches.push(batch);
          rows += batch.numRows;
          if (rows >= MAX_ROWS) break;
        }
        const complete = rows < MAX_ROWS;
        if (!complete) await conn.cancelSent();
        running.current = null;
        setResult(new ArrowTable(reader.schema, batches));
        setStatus({ kind: 'done', ms: Math.round(performance.now() - queryStart), rows, complete, run: ++runs.current });
      } finally {
        await conn.close();
      }
    } catch (err) {
      const message = (err as Error).message;
      // The chart and table on screen would otherwise pass for this query's result.
      setResult(null);
      if (cancelRequested.current) setStatus({ kind: 'cancelled' });
      else {
        setStatus({ kind: 'error', message });
        const at = sqlErrorPosition(message, text);
        if (at) setIssues([{ ...at, message: message.split('\n')[0] }]);
      }
    } finally {
      running.current = null;
      cancelRequested.current = false;
      busy.current = false;
      setFirstRunEnded(true);
    }
  };
  const cancel = async () => {
    cancelRequested.current = true;
    await running.current?.cancelSent();
  };
  const download = async (format: 'csv' | 'parquet') => {
    if (!result) return;
    try {
      saveBlob(format === 'csv' ? await resultToCsv(await getDuckDb(), result) : await resultToParquet(result), `query-result.${format}`);
    } catch (err) {
      setStatus({ kind: 'error', message: `${format.toUpperCase()} download failed: ${(err as Error).message}` });
    }
  };
  const open = (q: OpenedQuery) => {
    setSql(q.sql);
    setActiveId(q.id);
    window.history.replaceState(null, '', `?q=${encodeURIComponent(q.id)}`);
  };
  const forget = (id: string) => {
    if (id !== activeId) return;
    setActiveId(undefined);
    window.history.replaceState(null, '', `?sql=${encodeURIComponent(sql)}`);
  };

  // Run is enabled once the page is interactive: a press before hydration would do nothing.
  const [hydrated, setHydrated] = useState(false);
  const autoRan = useRef(false);
  useEffect(() => {
    setHydrated(true);
    if (autoRan.current || !runOnOpen) return;
    autoRan.current = true;
    void run();
    // Once, on mount, with the SQL the page opened with.
  }, []);

  return (
    <div className="flex flex-col gap-3">
      {/* Runs as the page's HTML is parsed (not when React renders it after a client-side navigation). */}
      <script dangerouslySetInnerHTML={{ __html: duckDbEarlyStartScript() }} />
      <div className="flex flex-wrap items-center gap-2">
        <h1 className="text-lg font-semibold">Query</h1>
        <EngineBadge state={engine} />
        <div className="ml-auto flex items-center gap-2">
          <SavedQueries workspace={workspace} queries={savedQueries} currentSql={sql} activeId={activeId} onOpen={open} onDelete={forget} />
          {status.kind === 'running' ? (
            <Button variant="outline" onClick={() => void cancel()}>
              <Square /> Cancel
            </Button>
          ) : (
            <Button onClick={() => void run()} disabled={!hydrated || status.kind === 'loading'} title="Ctrl/Cmd+Enter">
              <Play /> Run
            </Button>
          )}
          <Button variant="outline" onClick={() => void download('csv')} disabled={!result}>
            <FileDown /> CSV
          </Button>
          <Button variant="outline" onClick={() => void download('parquet')} disabled={!result}>
            <FileDown /> Parquet
          </Button>
        </div>
      </div>
      <p className="text-xs text-muted-foreground" data-testid="view-convention">
        Tables: {datasets.map((d) => `"${d.name}"`).join(', ') || 'none yet'}. <code className="font-mono">&quot;name&quot;</code> is the dataset as it stands: every row for Append and Ledger; for Snapshot, UpsertStream and ChangelogStream each key&apos;s current row (retracted keys gone).{' '}
        <code className="font-mono">&quot;name__changelog&quot;</code> holds every committed row with the system columns (offset, op 0 +A / 1 -R / 2 -C / 3 +C, system_time, event_time). Quote names with dots.
      </p>
      <CodeEditor language="sql" label="SQL" className="h-40" value={sql} onChange={setSql} onSubmit={() => void run()} completions={completions} issues={issues} />
      <div className="flex flex-wrap items-baseline gap-x-4 text-xs">
        <p data-testid="query-status" data-runs={status.kind === 'done' ? status.run : undefined}>
          {status.kind === 'waiting'
            ? 'a query from a link: read it, then press Run (Ctrl/Cmd+Enter)'
            : status.kind === 'loading'
            ? `loading ${status.what}…`
            : status.kind === 'running'
              ? 'running…'
              : status.kind === 'cancelled'
                ? 'cancelled'
                : status.kind === 'done'
                  ? `${status.rows} rows in ${status.ms} ms${status.complete ? '' : ` (stopped at the first ${MAX_ROWS.toLocaleString('en-US')}; narrow the query for the rest)`}`
                  : <span className="text-destructive whitespace-pre-wrap font-mono">{status.message}</span>}
        </p>
        {loads.map((l) => (
          <p key={l.name} className="text-muted-foreground" data-testid="load-status" data-dataset={l.name} data-ms={l.ms} data-rows={l.stats.rows} data-fetched-bytes={l.stats.fetchedBytes} data-cached-bytes={l.stats.cachedBytes} data-arrow-bytes={l.stats.arrowBytes} data-wait-ms={Math.round(l.stats.waitMs)} data-insert-ms={Math.round(l.stats.insertMs)}>
            loaded {l.name}: {l.stats.rows.toLocaleString('en-US')} rows in {l.ms} ms ({size(l.stats.fetchedBytes)} fetched, {size(l.stats.cachedBytes)} from this browser&apos;s cache, compressed)
          </p>
        ))}
      </div>
      {result ? <ResultChart table={result} /> : null}
      {result ? <ResultGrid table={result} /> : null}
      {!result && !firstRunEnded && serverResult ? (
        <Suspense fallback={null}>
          <ServerResult result={serverResult} />
        </Suspense>
      ) : null}
    </div>
  );
}

/** The server's result of the page's opening query, streamed with the page, labelled as such. */
function ServerResult({ result }: { result: Promise<Uint8Array | undefined> }) {
  const ipc = use(result);
  const table = useMemo(() => (ipc ? tableFromIPC(ipc) : null), [ipc]);
  if (!table) return null;
  return (
    <div className="flex flex-col gap-3" data-testid="server-result" data-rows={table.numRows}>
      <p className="text-xs text-muted-foreground">
        {table.numRows.toLocaleString('en-US')} {table.numRows === 1 ? 'row' : 'rows'} of the opening query, computed on the server while DuckDB starts in your browser; the browser runs it again, for what you do next.
      </p>
      <ResultChart table={table} />
      <ResultGrid table={table} />
    </div>
  );
}

function EngineBadge({ state }: { state: DuckDbState }) {
  const text =
    state.kind === 'not-loaded'
      ? 'DuckDB not loaded'
      : state.kind === 'loading'
        ? 'DuckDB loading…'
        : state.kind === 'ready'
          ? `DuckDB ${state.version} ready (${state.loadMs} ms, ${state.threads} thread${state.threads > 1 ? 's' : ''})`
          : `DuckDB failed: ${state.message}`;
  return (
    <span data-testid="duckdb-state" data-state={state.kind} className={state.kind === 'error' ? 'text-xs text-destructive' : 'text-xs text-muted-foreground'}>
      {text} · runs in your browser
    </span>
  );
}
