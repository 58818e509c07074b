import { formatDuration, formatTime, statusLabel, statusTone } from '@/app/_components/format';
import { Badge } from '@/app/_components/ui/badge';
import { Table, Td, Th } from '@/app/_components/ui/table';
import { listDatasetPulls } from '@/lib/datasets/dataset-pulls';
import { loadDatasetView, type DatasetParams } from '../load-dataset';

export default async function DatasetPullsPage({ params }: { params: DatasetParams }) {
  const pulls = await loadDatasetView(params, (store, name) => listDatasetPulls(store, name));
  if (pulls.length === 0) return <p className="text-muted-foreground">Never pulled.</p>;
  return (
    <Table data-testid="pulls-table">
      <thead>
        <tr>
          <Th>Started</Th>
          <Th>Duration</Th>
          <Th>Outcome</Th>
          <Th className="text-right">Messages</Th>
          <Th className="text-right">Rows</Th>
          <Th className="text-right">Quarantined</Th>
          <Th className="text-right">Duplicates</Th>
          <Th className="text-right">Slices</Th>
          <Th>Error</Th>
        </tr>
      </thead>
      <tbody>
        {pulls.map((p) => (
          <tr key={p.id}>
            <Td>{formatTime(p.startedAt)}</Td>
            <Td>{formatDuration(p.durationMs)}</Td>
            <Td>
              <Badge tone={statusTone(p.status)}>{statusLabel(p.status)}</Badge>
              {p.hasMore ? <span className="ml-1 text-xs text-muted-foreground">more waiting</span> : null}
              {p.qosNotes.map((note) => (
                <span key={note} className="block text-xs text-warning" data-testid="pull-qos-note">
                  {note}
                </span>
              ))}
            </Td>
            <Td className="text-right">{p.messagesReceived}</Td>
            <Td className="text-right">{p.rowsCommitted}</Td>
            <Td className="text-right">{p.quarantined}</Td>
            <Td className="text-right">{p.duplicates}</Td>
            <Td className="text-right">{p.slices}</Td>
            <Td className={`max-w-[40ch] truncate whitespace-normal ${p.status === 'failed' ? 'text-destructive' : 'text-muted-foreground'}`} title={p.error ?? undefined} data-testid="pull-error">
              {p.errorCode ? `${reconnectNote(p.status)}${p.errorCode}: ${p.error}` : ''}
            </Td>
          </tr>
        ))}
      </tbody>
    </Table>
  );
}

/**
 * A streaming run's record holds why it waits to reconnect (lib/ingest/follow-pull.ts), and keeps
 * it if it was stopped then: that is no failure of the pull, and is said as what it is.
 */
function reconnectNote(status: string): string {
  if (status === 'running') return 'reconnecting: ';
  return status === 'failed' ? '' : 'stopped while reconnecting: ';
}
