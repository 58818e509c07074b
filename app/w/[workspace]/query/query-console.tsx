'use client';

import { Play } from 'lucide-react';
import { useRef, useState } from 'react';
import { CodeEditor } from '@/app/_components/code-editor';
import { Button } from '@/app/_components/ui/button';
import { Table, Td, Th } from '@/app/_components/ui/table';
import { getDuckDb } from '@/lib/browser/duckdb/duckdb-instance';
import { changelogTable, currentStateViewSql, type QueryableDataset } from '@/lib/query/dataset-views';
import type { ColumnKind } from '@/lib/query/chart-suggestion';
import { DataType, type DataType as ArrowType } from 'apache-arrow';
import { ResultChart, type ChartableResult } from './result-chart';

type Status = { kind: 'idle' } | { kind: 'loading'; what: string } | { kind: 'done'; ms: number; rows: number } | { kind: 'error'; message: string };

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
        const table = await conn.query(sql);
        const columns = table.schema.fields.map((f) => ({ name: f.name, kind: columnKind(f.type) }));
        const rows = table.toArray().slice(0, 1000).map((r) => columns.map((c) => (r as Record<string, unknown>)[c.name]));
        setResult({ columns, rows });
        setStatus({ kind: 'done', ms: Math.round(performance.now() - t0), rows: table.numRows });
      } finally {
        await conn.close();
      }
    } catch (err) {
      setStatus({ kind: 'error', message: (err as Error).message });
    }
  };

  return (
    <div className="flex flex-col gap-3">
      <div className="flex items-center gap-2">
        <h1 className="text-lg font-semibold">Query</h1>
        <span className="text-xs text-muted-foreground">runs in your browser (DuckDB-WASM) · tables: {datasets.map((d) => `"${d.name}"`).join(', ') || 'none yet'}</span>
        <Button className="ml-auto" onClick={() => void run()} disabled={status.kind === 'loading'} title="Ctrl/Cmd+Enter">
          <Play /> Run
        </Button>
      </div>
      <p className="text-xs text-muted-foreground" data-testid="view-convention">
        <code className="font-mono">&quot;name&quot;</code> is the dataset as it stands: every row for Append and Ledger; for Snapshot, UpsertStream and ChangelogStream each key&apos;s current row (retracted keys gone).{' '}
        <code className="font-mono">&quot;name__changelog&quot;</code> holds every committed row with the system columns (offset, op 0 +A / 1 -R / 2 -C / 3 +C, system_time, event_time).
      </p>
      <CodeEditor language="sql" label="SQL" className="h-40" value={sql} onChange={setSql} onSubmit={() => void run()} />
      <p className="text-xs" data-testid="query-status">
        {status.kind === 'loading' ? `loading ${status.what}…` : status.kind === 'done' ? `${status.rows} rows in ${status.ms} ms` : status.kind === 'error' ? <span className="text-destructive">{status.message}</span> : 'ready'}
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
            {result.rows.map((r, i) => (
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
