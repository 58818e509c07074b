import type { Metadata } from 'next';
import { requireWorkspace } from '@/lib/server/guard';
import { guardPage } from '@/lib/server/page-guard';
import { getStore } from '@/lib/server/store';
import { findActivePollingSource } from '@/lib/odf';
import type { QueryableDataset } from '@/lib/query/dataset-views';
import { QueryConsole } from './query-console';

export const metadata: Metadata = { title: 'Query' };

export default async function QueryPage({ params, searchParams }: { params: Promise<{ workspace: string }>; searchParams: Promise<{ sql?: string }> }) {
  const slug = decodeURIComponent((await params).workspace);
  const access = await guardPage(() => requireWorkspace(slug, { dataset: 'read' }));
  const datasets: QueryableDataset[] = (await (await getStore()).datasets.list(access.workspace.slug)).map((d) => {
    const merge = findActivePollingSource(d.snapshot.metadata)?.merge as { kind: string; primaryKey?: string[] } | undefined;
    return { name: d.name, mergeKind: merge?.kind ?? 'Append', primaryKey: merge?.primaryKey ?? [] };
  });
  return <QueryConsole workspace={slug} datasets={datasets} initialSql={(await searchParams).sql} />;
}
