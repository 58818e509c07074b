import type { ReactNode } from 'react';
import { getDatasetOverview } from '@/lib/datasets/dataset-overview';
import { findRunningPull } from '@/lib/server/pull-runner';
import { DatasetTabs } from './_components/dataset-tabs';
import { PullButton } from './_components/pull-button';
import { loadDatasetView } from './load-dataset';

export const dynamic = 'force-dynamic';

export default async function DatasetLayout({ children, params }: { children: ReactNode; params: Promise<{ name: string }> }) {
  const d = await loadDatasetView(params, getDatasetOverview);
  return (
    <div className="flex flex-col gap-3">
      <div className="flex flex-wrap items-center gap-3">
        <h1 className="text-lg font-semibold" data-testid="dataset-title">
          {d.name}
        </h1>
        <span className="text-xs text-muted-foreground">
          {d.source?.mergeKind ?? 'no source'} · {BigInt(d.rows).toLocaleString('en-US')} rows
        </span>
        <div className="ml-auto">
          <PullButton dataset={d.name} pullable={d.source?.fetchKind === 'Mqtt'} running={findRunningPull(d.name) ?? null} />
        </div>
      </div>
      <DatasetTabs name={d.name} quarantined={d.pendingQuarantine} />
      {children}
    </div>
  );
}
