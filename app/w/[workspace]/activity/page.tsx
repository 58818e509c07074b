import type { Metadata } from 'next';
import { formatTime } from '@/app/_components/format';
import { Table, Td, Th } from '@/app/_components/ui/table';
import { requireWorkspace } from '@/lib/server/guard';
import { guardPage } from '@/lib/server/page-guard';
import { getStore } from '@/lib/server/store';
import type { JsonValue } from '@/lib/data/row';
import { activityDetail, activityLabel } from './activity-labels';

export const metadata: Metadata = { title: 'Activity' };

export default async function ActivityPage({ params }: { params: Promise<{ workspace: string }> }) {
  const slug = (await params).workspace;
  const access = await guardPage(() => requireWorkspace(slug, { activity: 'read' }));
  const entries = await (await getStore()).activity.list(access.workspace.id);
  return (
    <div className="flex flex-col gap-3">
      <h1 className="text-lg font-semibold">Activity</h1>
      {entries.length === 0 ? <p className="text-muted-foreground">Nothing has happened in this workspace yet.</p> : <ActivityTable entries={entries} />}
    </div>
  );
}

function ActivityTable({ entries }: { entries: Awaited<ReturnType<Awaited<ReturnType<typeof getStore>>['activity']['list']>> }) {
  return (
    <Table data-testid="activity-table">
      <thead>
        <tr>
          <Th>When</Th>
          <Th>Who</Th>
          <Th>What</Th>
          <Th>On</Th>
          <Th>Details</Th>
        </tr>
      </thead>
      <tbody>
        {entries.map((e) => (
          <tr key={e.id.toString()}>
            <Td>{formatTime(e.at.toISOString())}</Td>
            <Td>{e.actorEmail ?? 'system'}</Td>
            <Td>{activityLabel(e.action)}</Td>
            <Td>{e.target}</Td>
            <Td className="text-muted-foreground">{activityDetail(e.detail as Record<string, JsonValue> | null)}</Td>
          </tr>
        ))}
      </tbody>
    </Table>
  );
}
