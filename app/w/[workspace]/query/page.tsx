import type { Metadata } from 'next';
import { requireWorkspace } from '@/lib/server/guard';
import { guardPage } from '@/lib/server/page-guard';
import { loadSavedQueries } from '@/lib/server/saved-queries';
import { getStore } from '@/lib/server/store';
import { datasetKey } from '@/lib/datasets/dataset-key';
import { queryableDataset } from '@/lib/query/dataset-views';
import { openingResult } from '@/lib/query/opening-result';
import { QueryConsole } from './query-console';

export const metadata: Metadata = { title: 'Query' };

export default async function QueryPage({ params, searchParams }: { params: Promise<{ workspace: string }>; searchParams: Promise<{ sql?: string; q?: string; dataset?: string }> }) {
  const slug = (await params).workspace;
  const { sql, q, dataset } = await searchParams;
  const access = await guardPage(() => requireWorkspace(slug, { dataset: 'read' }));
  const datasets = (await (await getStore()).datasets.list(access.workspace.id)).map(queryableDataset);
  const saved = await guardPage(() => loadSavedQueries(access, q));
  const opening = datasets.find((d) => d.name === dataset) ?? datasets[0];
  const suggested = opening?.suggestedSql;
  // SQL from the address is shown, not run: a link can carry any query. Saved queries (checked on
  // save by a member) and the page's own suggestion run at once.
  const runsSuggested = saved.active === undefined && sql === undefined && opening !== undefined;
  // The suggestion's result, computed on the server while the page streams (not awaited here): it
  // shows before DuckDB-WASM has started in the browser. Read under the guard above (dataset: read).
  const serverResult = runsSuggested
    ? openingResult(await getStore(), datasetKey(access.workspace.id, opening.name), opening).catch((err: unknown) => {
        console.error(`the opening result of ${opening.name} was not computed: ${(err as Error).message}`);
        return undefined;
      })
    : undefined;
  return (
    <QueryConsole
      workspace={slug}
      datasets={datasets}
      initialSql={saved.active?.sql ?? sql ?? suggested ?? 'SELECT 42 AS answer'}
      runOnOpen={saved.active !== undefined || sql === undefined}
      savedQueries={saved.queries}
      initialActiveId={saved.active?.id}
      serverResult={serverResult}
    />
  );
}
