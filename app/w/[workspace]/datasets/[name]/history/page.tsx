import { formatTime } from '@/app/_components/format';
import { Badge } from '@/app/_components/ui/badge';
import { getDatasetHistory } from '@/lib/datasets/dataset-history';
import { loadDatasetView, type DatasetParams } from '../load-dataset';

export default async function DatasetHistoryPage({ params }: { params: DatasetParams }) {
  const blocks = await loadDatasetView(params, getDatasetHistory);
  return (
    <ol className="flex flex-col gap-1" data-testid="history">
      {blocks.map((b) => (
        <li key={b.hash} className="rounded-md border" data-testid={`block-${b.sequenceNumber}`}>
          <details>
            <summary className="flex cursor-pointer items-center gap-3 px-3 py-1.5 text-sm">
              <span className="w-8 text-right font-mono text-xs text-muted-foreground">#{b.sequenceNumber}</span>
              <Badge tone={b.kind === 'AddData' ? 'success' : 'info'}>{b.kind}</Badge>
              <span className="truncate text-xs text-muted-foreground">{b.summary}</span>
              <span className="ml-auto font-mono text-xs text-muted-foreground" title={b.hash}>
                {b.hash.slice(0, 16)}…
              </span>
              <span className="text-xs text-muted-foreground">{formatTime(b.systemTime)}</span>
            </summary>
            <div className="border-t px-3 py-2 text-xs">
              <div className="mb-1 font-mono break-all text-muted-foreground">hash {b.hash}</div>
              <pre className="overflow-auto rounded bg-muted p-2 font-mono">{b.yaml}</pre>
            </div>
          </details>
        </li>
      ))}
    </ol>
  );
}
