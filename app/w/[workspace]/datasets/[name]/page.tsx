import Link from 'next/link';
import { formatCount, formatDuration, formatTime, statusLabel, statusTone } from '@/app/_components/format';
import { Badge } from '@/app/_components/ui/badge';
import { Card, CardHeader, CardTitle } from '@/app/_components/ui/card';
import { Table, Td, Th } from '@/app/_components/ui/table';
import { ScheduleSummary } from '@/app/_components/schedule-summary';
import { getDatasetOverview } from '@/lib/datasets/dataset-overview';
import { getDatasetSchedule } from '@/lib/datasets/dataset-schedule';
import { listDatasetPulls } from '@/lib/datasets/dataset-pulls';
import { getPushConnection } from '@/lib/datasets/push-connection';
import { deviceEndpointUrl } from '@/lib/device-endpoint/endpoint-config';
import { readEnv } from '@/lib/config/env';
import { headers } from 'next/headers';
import { PushConnectionCard } from './_components/push-connection-card';
import { loadDatasetView, type DatasetParams } from './load-dataset';

export default async function DatasetOverviewPage({ params }: { params: DatasetParams }) {
  const [d, pulls, schedule, push] = await loadDatasetView(params, (store, ref) =>
    Promise.all([getDatasetOverview(store, ref), listDatasetPulls(store, ref, 5), getDatasetSchedule(store, ref), getPushConnection(store, ref)]),
  );
  const env = readEnv();
  const p = await params;
  const origin = env.SLUICE_PUBLIC_URL ?? `http://${(await headers()).get('host') ?? '127.0.0.1:3000'}`;
  const ingestUrl = `${origin}/api/w/${encodeURIComponent(p.workspace)}/datasets/${encodeURIComponent(p.name)}/ingest`;
  const facts: [string, React.ReactNode][] = [
    ['Rows', formatCount(d.rows)],
    ['Slices', formatCount(d.slices)],
    ['Watermark', formatTime(d.watermark)],
    ['Quarantined', d.pendingQuarantine ? <Link href="quarantine" className="text-destructive underline">{d.pendingQuarantine}</Link> : '0'],
    ['Head', <code key="h" className="font-mono text-xs" title={d.headHash}>{d.headHash.slice(0, 18)}… (#{d.headSequence})</code>],
    ['Dataset id', <code key="i" className="font-mono text-xs break-all">{d.id}</code>],
  ];
  return (
    <div className="grid gap-3 lg:grid-cols-2">
      <Card>
        <CardHeader>
          <CardTitle>Summary</CardTitle>
        </CardHeader>
        <dl className="grid grid-cols-[max-content_1fr] gap-x-4 gap-y-1 p-3 text-sm" data-testid="overview-facts">
          {facts.map(([k, v]) => (
            <div key={k} className="contents">
              <dt className="text-muted-foreground">{k}</dt>
              <dd>{v}</dd>
            </div>
          ))}
        </dl>
      </Card>
      <Card>
        <CardHeader>
          <CardTitle>Source</CardTitle>
          {d.source ? <Badge tone="info">{d.source.fetchKind} → {d.source.readKind} → {d.source.mergeKind}</Badge> : null}
        </CardHeader>
        {d.source ? (
          <dl className="grid grid-cols-[max-content_1fr] gap-x-4 gap-y-1 p-3 text-sm">
            <dt className="text-muted-foreground">Broker</dt>
            <dd><code className="font-mono text-xs">{d.source.broker ?? '—'}</code>{d.source.username ? <span className="text-muted-foreground"> as {d.source.username}</span> : null}</dd>
            <dt className="text-muted-foreground">Topics</dt>
            <dd className="flex flex-wrap gap-1">{d.source.topics.map((t) => <Badge key={t.path}><code>{t.path}</code> QoS {t.qos}</Badge>)}</dd>
            <dt className="text-muted-foreground">Primary key</dt>
            <dd>{d.source.primaryKey.length ? d.source.primaryKey.join(', ') : '—'}</dd>
            <dt className="text-muted-foreground">Preview URL</dt>
            <dd><code className="font-mono text-xs">{d.previewWsUrl ?? 'not set'}</code></dd>
          </dl>
        ) : (
          <p className="p-3 text-muted-foreground" data-testid="not-pulled">{d.notPulled}</p>
        )}
      </Card>
      {push ? <PushConnectionCard push={push} deviceUrl={deviceEndpointUrl(env)} ingestUrl={ingestUrl} /> : null}
      <Card>
        <CardHeader>
          <CardTitle>Read schema</CardTitle>
          {d.readSchema ? <Badge>{d.readSchema.origin}</Badge> : null}
        </CardHeader>
        {d.readSchema ? (
          <Table>
            <thead><tr><Th>Column</Th><Th>Type</Th></tr></thead>
            <tbody>{d.readSchema.fields.map((f) => <tr key={f.name}><Td className="font-mono">{f.name}</Td><Td className="font-mono">{f.type}</Td></tr>)}</tbody>
          </Table>
        ) : (
          <p className="p-3 text-muted-foreground">No schema declared; it is inferred from the first messages the dataset pulls.</p>
        )}
      </Card>
      <Card>
        <CardHeader>
          <CardTitle>Schedule</CardTitle>
        </CardHeader>
        <div className="p-3">
          <ScheduleSummary schedule={schedule} />
        </div>
      </Card>
      <Card>
        <CardHeader>
          <CardTitle>Last pulls</CardTitle>
          <Link href="pulls" className="text-xs text-primary">all pulls</Link>
        </CardHeader>
        {pulls.length ? (
          <Table>
            <thead><tr><Th>Started</Th><Th>Outcome</Th><Th className="text-right">Messages</Th><Th className="text-right">Rows</Th><Th>Duration</Th></tr></thead>
            <tbody>
              {pulls.map((p) => (
                <tr key={p.id}>
                  <Td>{formatTime(p.startedAt)}</Td>
                  <Td><Badge tone={statusTone(p.status)} title={p.error ?? undefined}>{statusLabel(p.status)}</Badge></Td>
                  <Td className="text-right">{p.messagesReceived}</Td>
                  <Td className="text-right">{p.rowsCommitted}</Td>
                  <Td>{formatDuration(p.durationMs)}</Td>
                </tr>
              ))}
            </tbody>
          </Table>
        ) : (
          <p className="p-3 text-muted-foreground">Never pulled.</p>
        )}
      </Card>
    </div>
  );
}
