import Link from 'next/link';
import { formatTime, statusTone } from '@/app/_components/format';
import { datasetPath, workspacePath } from '@/app/_components/paths';
import { Badge } from '@/app/_components/ui/badge';
import { Button } from '@/app/_components/ui/button';
import { Table, Td, Th } from '@/app/_components/ui/table';
import { can } from '@/lib/auth/roles';
import { listDatasetRows } from '@/lib/datasets/list-dataset-rows';
import { requireWorkspace } from '@/lib/server/guard';
import { guardPage } from '@/lib/server/page-guard';
import { getStore } from '@/lib/server/store';

export const dynamic = 'force-dynamic';

export default async function DatasetsPage({ params }: { params: Promise<{ workspace: string }> }) {
  const slug = (await params).workspace;
  const access = await guardPage(() => requireWorkspace(slug, { dataset: 'read' }));
  const datasets = await listDatasetRows((await getStore()).datasets, access.workspace.id);
  const canCreate = can(access.role, { dataset: 'create' });
  const newHref = `${workspacePath(slug)}/datasets/new`;
  return (
    <div className="flex flex-col gap-3">
      <div className="flex items-center">
        <h1 className="text-lg font-semibold">Datasets</h1>
        {canCreate ? (
          <Button asChild className="ml-auto">
            <Link href={newHref}>New dataset</Link>
          </Button>
        ) : null}
      </div>
      {datasets.length === 0 ? (
        <p className="text-muted-foreground">
          No datasets yet.{' '}
          {canCreate ? (
            <>
              <Link href={newHref} className="text-primary underline">Define one</Link> or add a manifest with <code className="font-mono">npx sluice add --workspace {slug} manifest.yaml</code>.
            </>
          ) : (
            'An editor of this workspace can define one.'
          )}
        </p>
      ) : (
        <Table>
          <thead>
            <tr>
              <Th>Name</Th>
              <Th>Kind</Th>
              <Th>Source</Th>
              <Th>Topics</Th>
              <Th>Merge</Th>
              <Th className="text-right">Rows</Th>
              <Th>Last pull</Th>
              <Th>Watermark</Th>
            </tr>
          </thead>
          <tbody>
            {datasets.map((d) => (
              <tr key={d.name} data-testid={`dataset-${d.name}`} className="hover:bg-muted/50">
                <Td>
                  <Link href={datasetPath(slug, d.name)} className="font-medium text-primary hover:underline">
                    {d.name}
                  </Link>
                </Td>
                <Td>{d.kind}</Td>
                <Td><code className="font-mono">{d.broker}</code></Td>
                <Td><code className="font-mono">{d.topics.join(' ')}</code></Td>
                <Td>{d.merge}</Td>
                <Td className="text-right">{BigInt(d.rows).toLocaleString('en-US')}</Td>
                <Td>
                  {d.lastPull ? (
                    <span className="flex items-center gap-1.5" title={d.lastPull.error ?? undefined}>
                      <Badge tone={statusTone(d.lastPull.status)}>{d.lastPull.status}</Badge>
                      {formatTime(d.lastPull.at)}
                    </span>
                  ) : (
                    <span className="text-muted-foreground">never</span>
                  )}
                </Td>
                <Td>{formatTime(d.watermark)}</Td>
              </tr>
            ))}
          </tbody>
        </Table>
      )}
    </div>
  );
}
