'use client';

import { FileDown, Play, Square } from 'lucide-react';
import type { AsyncDuckDBConnection } from '@duckdb/duckdb-wasm';
import { stringify } from 'csv-stringify/browser/esm/sync';
import { useRef, useState } from 'react';
import { CodeEditor } from '@/app/_components/code-editor';
import { Button } from '@/app/_components/ui/button';
import { Table, Td, Th } from '@/app/_components/ui/table';
import { getDuckDb } from '@/lib/browser/duckdb/duckdb-instance';
import { changelogTable, currentStateViewSql, type QueryableDataset } from '@/lib/query/dataset-views';
import type { ColumnKind } from '@/lib/query/chart-suggestion';
import { DataType, Table as ArrowTable, type DataType as ArrowType, type RecordBatch } from 'apache-arrow';
import { ResultChart, type ChartableResult } from './result-chart';

type Status = { kind: 'idle' } | { kind: 'loading'; what: string } | { kind: 'running' } | { kind: 'done'; ms: number; rows: number } | { kind: 'cancelled' } | { kind: 'error'; message: string };

/** At most this many rows are kept in the page (charted, downloaded); the grid shows the first GRID_ROWS. */
const MAX_ROWS = 100_000;
const GRID_ROWS = 1_000;

function columnKind(t: ArrowType): ColumnKind {
  if (DataType.isTimestamp(t) || DataType.isDate(t)) return 'time';
  if (DataType.isInt(t) || DataType.isFloat(t) || DataType.isDecimal(t)) return 'number';
  return 'text';
}

/** Shown as text: BigInt and times become readable (Arrow gives times as epoch ms), nulls are marked. */
function show(value: unknown, kind: ColumnKind): string {
  if (value === null || value === undefined) return '∅';
  if (kind === 'time' && typeof value === 'number') return new Date(value).toISOString();
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'object') return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
  return String(value);
}

/**
 * SQL over the workspace's datasets, in this browser: each dataset is a table named after it (quote
 * names with dots: "demo.temperature"), loaded from the server as Arrow the first time a query runs.
 */
export function QueryConsole({ workspace, datasets, initialSql }: { workspace: string; datasets: QueryableDataset[]; initialSql?: string }) {
  const [sql, setSql] = useState(initialSql ?? (datasets[0] ? `SELECT * FROM "${datasets[0].name}" LIMIT 100` : 'SELECT 42 AS answer'));
  const [status, setStatus] = useState<Status>({ kind: 'idle' });
  const [result, setResult] = useState<ChartableResult | null>(null);
  const loaded = useRef(new Set<string>());
  const running = useRef<AsyncDuckDBConnection | null>(null);
  const cancelRequested = useRef(false);

  const run = async () => {
    // The query is in the address, so a link to this page shares it.
    window.history.replaceState(null, '', `?sql=${encodeURIComponent(sql)}`);
    try {
      setStatus({ kind: 'loading', what: 'DuckDB' });
      const db = await getDuckDb();
      const conn = await db.connect();
      try {
        for (const d of datasets) {
          if (loaded.current.has(d.name) || !sql.includes(d.name)) continue;
          setStatus({ kind: 'loading', what: d.name });
          const res = await fetch(`/api/w/${encodeURIComponent(workspace)}/datasets/${encodeURIComponent(d.name)}/arrow`);
          if (!res.ok) throw new Error(`loading ${d.name}: ${res.status}`);
          await conn.insertArrowFromIPCStream(new Uint8Array(await res.arrayBuffer()), { name: changelogTable(d.name), create: true });
          await conn.query(currentStateViewSql(d));
          loaded.current.add(d.name);
        }
        const t0 = performance.now();
        setStatus({ kind: 'running' });
        running.current = conn;
        // Sent, not queried: a sent query can be cancelled, and its batches arrive one by one.
        const reader = await conn.send(sql, true);
        const batches: RecordBatch[] = [];
        let count = 0;
        for await (const batch of reader) {
          if (count < MAX_ROWS) batches.push(batch);
          count += batch.numRows;
        }
        running.current = null;
        const table = new ArrowTable(reader.schema, batches);
        const columns = table.schema.fields.map((f) => ({ name: f.name, kind: columnKind(f.type) }));
        const rows = table.toArray().slice(0, MAX_ROWS).map((r) => columns.map((c) => (r as Record<string, unknown>)[c.name]));
        setResult({ columns, rows });
        setStatus({ kind: 'done', ms: Math.round(performance.now() - t0), rows: count });
      } finally {
        await conn.close();
      }
    } catch (err) {
      setStatus(cancelRequested.current ? { kind: 'cancelled' } : { kind: 'error', message: (err as Error).message });
    } finally {
      running.current = null;
      cancelRequested.current = false;
    }
  };
  const cancel = async () => {
    cancelRequested.current = true;
    await running.current?.cancelSent();
  };
  const download = () => {
    if (!result) return;
    const csv = stringify([result.columns.map((c) => c.name), ...result.rows.map((r) => r.map((v, j) => (v === null || v === undefined ? '' : show(v, result.columns[j].kind))))]);
    const a = document.createElement('a');
    a.href = URL.createObjectURL(new Blob([csv], { type: 'text/csv' }));
    a.download = 'query-result.csv';
    a.click();
    URL.revokeObjectURL(a.href);
  };

  return (
    <div className="flex flex-col gap-3">
      <div className="flex items-center gap-2">
        <h1 className="text-lg font-semibold">Query</h1>
        <span className="text-xs text-muted-foreground">runs in your browser (DuckDB-WASM) · tables: {datasets.map((d) => `"${d.name}"`).join(', ') || 'none yet'}</span>
        {status.kind === 'running' ? (
          <Button className="ml-auto" variant="outline" onClick={() => void cancel()}>
            <Square /> Cancel
          </Button>
        ) : (
          <Button className="ml-auto" onClick={() => void run()} disabled={status.kind === 'loading'} title="Ctrl/Cmd+Enter">
            <Play /> Run
          </Button>
        )}
        <Button variant="outline" onClick={download} disabled={!result}>
          <FileDown /> CSV
        </Button>
      </div>
      <p className="text-xs text-muted-foreground" data-testid="view-convention">
        <code className="font-mono">&quot;name&quot;</code> is the dataset as it stands: every row for Append and Ledger; for Snapshot, UpsertStream and ChangelogStream each key&apos;s current row (retracted keys gone).{' '}
        <code className="font-mono">&quot;name__changelog&quot;</code> holds every committed row with the system columns (offset, op 0 +A / 1 -R / 2 -C / 3 +C, system_time, event_time).
      </p>
      <CodeEditor language="sql" label="SQL" className="h-40" value={sql} onChange={setSql} onSubmit={() => void run()} />
      <p className="text-xs" data-testid="query-status">
        {status.kind === 'loading'
          ? `loading ${status.what}…`
          : status.kind === 'running'
            ? 'running…'
            : status.kind === 'cancelled'
              ? 'cancelled'
              : status.kind === 'done'
                ? `${status.rows} rows in ${status.ms} ms${status.rows > MAX_ROWS ? ` (the first ${MAX_ROWS.toLocaleString('en-US')} kept)` : ''}`
                : status.kind === 'error'
                  ? <span className="text-destructive whitespace-pre-wrap font-mono">{status.message}</span>
                  : 'ready'}
      </p>
      {result ? <ResultChart result={result} /> : null}
      {result ? (
        <Table data-testid="query-result">
          <thead>
            <tr>
              {result.columns.map((c) => (
                <Th key={c.name}>{c.name}</Th>
              ))}
            </tr>
          </thead>
          <tbody>
            {result.rows.slice(0, GRID_ROWS).map((r, i) => (
              <tr key={i}>
                {r.map((v, j) => (
                  <Td key={j}>{show(v, result.columns[j].kind)}</Td>
                ))}
              </tr>
            ))}
          </tbody>
        </Table>
      ) : null}
    </div>
  );
}
