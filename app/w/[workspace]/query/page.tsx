import type { Metadata } from 'next';
import { requireWorkspace } from '@/lib/server/guard';
import { guardPage } from '@/lib/server/page-guard';
import { loadSavedQueries } from '@/lib/server/saved-queries';
import { getStore } from '@/lib/server/store';
import { queryableDataset } from '@/lib/query/dataset-views';
import { QueryConsole } from './query-console';

export const metadata: Metadata = { title: 'Query' };

export default async function QueryPage({ params, searchParams }: { params: Promise<{ workspace: string }>; searchParams: Promise<{ sql?: string; q?: string; dataset?: string }> }) {
  const slug = decodeURIComponent((await params).workspace);
  const { sql, q, dataset } = await searchParams;
  const access = await guardPage(() => requireWorkspace(slug, { dataset: 'read' }));
  const datasets = (await (await getStore()).datasets.list(access.workspace.id)).map(queryableDataset);
  const saved = await guardPage(() => loadSavedQueries(access, q));
  const suggested = (datasets.find((d) => d.name === dataset) ?? datasets[0])?.suggestedSql;
  // SQL from the address is shown, not run: a link can carry any query. Saved queries (checked on
  // save by a member) and the page's own suggestion run at once.
  return (
    <QueryConsole
      workspace={slug}
      datasets={datasets}
      initialSql={saved.active?.sql ?? sql ?? suggested ?? 'SELECT 42 AS answer'}
      runOnOpen={saved.active !== undefined || sql === undefined}
      savedQueries={saved.queries}
      initialActiveId={saved.active?.id}
    />
  );
}
