import Link from 'next/link';
import { formatTime, statusTone } from './_components/format';
import { Badge } from './_components/ui/badge';
import { Button } from './_components/ui/button';
import { Table, Td, Th } from './_components/ui/table';
import { listDatasetRows } from '@/lib/datasets/list-dataset-rows';
import { getStore } from '@/lib/server/store';

export const dynamic = 'force-dynamic';

export default async function DatasetsPage() {
  const datasets = await listDatasetRows((await getStore()).datasets);
  return (
    <div className="flex flex-col gap-3">
      <div className="flex items-center">
        <h1 className="text-lg font-semibold">Datasets</h1>
        <Button asChild className="ml-auto">
          <Link href="/datasets/new">New dataset</Link>
        </Button>
      </div>
      {datasets.length === 0 ? (
        <p className="text-muted-foreground">
          No datasets yet. <Link href="/datasets/new" className="text-primary underline">Define one</Link> or add a manifest with <code className="font-mono">npx sluice add manifest.yaml</code>.
        </p>
      ) : (
        <Table>
          <thead>
            <tr>
              <Th>Name</Th>
              <Th>Broker</Th>
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
                  <Link href={`/datasets/${encodeURIComponent(d.name)}`} className="font-medium text-primary hover:underline">
                    {d.name}
                  </Link>
                </Td>
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
