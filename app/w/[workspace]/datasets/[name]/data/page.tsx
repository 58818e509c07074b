import Link from 'next/link';
import { UPlotChart } from '@/app/_components/chart/uplot-chart';
import { Button } from '@/app/_components/ui/button';
import { Table, Td, Th } from '@/app/_components/ui/table';
import { queryDatasetPath } from '@/app/_components/paths';
import { plural } from '@/app/_components/format';
import { getDatasetRowsPage } from '@/lib/datasets/dataset-rows-page';
import { textRowsChart } from '@/lib/query/text-rows-chart';
import { loadDatasetView, type DatasetParams } from '../load-dataset';

export default async function DatasetDataPage({ params, searchParams }: { params: DatasetParams; searchParams: Promise<{ page?: string }> }) {
  const page = Math.max(0, Number((await searchParams).page ?? 0) || 0);
  const { workspace, name } = await params;
  const data = await loadDatasetView(params, (store, ref) => getDatasetRowsPage(store, ref, page));
  if (data.columns.length === 0) return <p className="text-muted-foreground">No data committed yet. Pull the dataset to commit its first slice.</p>;
  const link = (p: number) => `?page=${p}`;
  // The page's own rows charted as the query page would chart the dataset: its first numeric
  // column over event time, a line per value of its first text column (system columns left out).
  const FIRST_DATA = 3;
  const chart = textRowsChart(
    data.columns.slice(FIRST_DATA).map((name, i) => ({ name, kind: data.kinds[FIRST_DATA + i] })),
    data.rows.map((r) => r.slice(FIRST_DATA)),
  );
  return (
    <div className="flex flex-col gap-2">
      <div className="flex flex-wrap items-center gap-2 text-xs text-muted-foreground">
        <span>
          {plural(data.total, 'row')}, newest first · page {data.page + 1} of {data.pageCount}
        </span>
        <div className="ml-auto flex flex-wrap gap-1">
          <Button asChild variant="ghost" size="sm">
            {/* A full page load: see the Query link in the workspace layout. */}
            <a href={queryDatasetPath(workspace, name)}>Query in SQL</a>
          </Button>
          {(['csv', 'parquet', 'ndjson'] as const).map((f) => (
            <Button key={f} asChild variant="ghost" size="sm">
              <a href={`/api/w/${encodeURIComponent(workspace)}/datasets/${encodeURIComponent(name)}/export?format=${f}`} download>
                {f.toUpperCase()}
              </a>
            </Button>
          ))}
          <PageLink to={data.page > 0 ? link(data.page - 1) : null}>Newer</PageLink>
          <PageLink to={data.page < data.pageCount - 1 ? link(data.page + 1) : null}>Older</PageLink>
        </div>
      </div>
      {chart ? (
        <figure className="flex flex-col gap-1 rounded-md border p-2" data-testid="data-chart">
          <figcaption className="text-xs text-muted-foreground">
            {chart.choice.y} over {chart.choice.x}
            {chart.choice.by ? ` by ${chart.choice.by}` : ''} · the {plural(data.rows.length, 'row')} of this page (Query in SQL charts them all)
          </figcaption>
          <UPlotChart type={chart.choice.type} plot={chart.plot} x={chart.choice.x} y={chart.choice.y} height={220} />
        </figure>
      ) : null}
      <Table data-testid="data-table">
        <thead>
          <tr>
            {data.columns.map((c, i) => (
              <Th key={c} numeric={data.kinds[i] === 'number'} className={i < 4 ? 'text-muted-foreground italic' : undefined}>
                {c}
              </Th>
            ))}
          </tr>
        </thead>
        <tbody>
          {data.rows.map((r) => (
            <tr key={r[0]} className="hover:bg-muted/50">
              {r.map((cell, i) => (
                <Td key={i} numeric={data.kinds[i] === 'number'} className={i === 1 ? 'font-mono' : cell === '∅' ? 'text-muted-foreground' : undefined}>
                  {cell}
                </Td>
              ))}
            </tr>
          ))}
        </tbody>
      </Table>
    </div>
  );
}

/** A pager link, or a disabled button where there is no page to go to (a link cannot be disabled). */
function PageLink({ to, children }: { to: string | null; children: string }) {
  if (to === null) {
    return (
      <Button variant="outline" size="sm" disabled>
        {children}
      </Button>
    );
  }
  return (
    <Button asChild variant="outline" size="sm">
      <Link href={to}>{children}</Link>
    </Button>
  );
}
