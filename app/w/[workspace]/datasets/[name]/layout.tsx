import type { ReactNode } from 'react';
import { can } from '@/lib/auth/roles';
import { plural } from '@/app/_components/format';
import { getDatasetOverview } from '@/lib/datasets/dataset-overview';
import { getDatasetLive } from '@/lib/datasets/dataset-live';
import { LiveStatus } from './_components/live-status';
import { findRunningPull } from '@/lib/server/pull-runner';
import { DatasetTabs } from './_components/dataset-tabs';
import { PullButton } from './_components/pull-button';
import { loadDatasetView, type DatasetParams } from './load-dataset';

export const dynamic = 'force-dynamic';

export default async function DatasetLayout({ children, params }: { children: ReactNode; params: DatasetParams }) {
  const { d, live, access, dataset } = await loadDatasetView(params, async (store, dataset, access) => ({ d: await getDatasetOverview(store, dataset), live: await getDatasetLive(store, dataset), access, dataset }));
  const canPull = can(access.role, { dataset: 'pull' });
  return (
    <div className="flex flex-col gap-3">
      <div className="flex flex-wrap items-center gap-3">
        <h1 className="text-lg font-semibold" data-testid="dataset-title">
          {d.name}
        </h1>
        <span className="text-xs text-muted-foreground">
          {d.source?.mergeKind ?? 'no source'} · {plural(d.rows, 'row')}
        </span>
        <LiveStatus workspace={d.workspace} dataset={d.name} initial={live} />
        <div className="ml-auto">
          {canPull ? <PullButton workspace={d.workspace} dataset={d.name} pullable={d.source?.fetchKind === 'Mqtt'} running={findRunningPull(dataset) ?? null} qos0Topics={d.source?.topics.filter((t) => t.qos === 0).map((t) => t.path) ?? []} /> : null}
        </div>
      </div>
      <DatasetTabs workspace={d.workspace} name={d.name} quarantined={d.pendingQuarantine} canEdit={can(access.role, { dataset: 'edit' })} canManage={can(access.role, { secret: 'manage' })} />
      {children}
    </div>
  );
}
