import { can } from '@/lib/auth/roles';
import { listDatasetQuarantine } from '@/lib/datasets/dataset-quarantine';
import { loadDatasetView, type DatasetParams } from '../load-dataset';
import { QuarantineList } from './quarantine-list';

export default async function DatasetQuarantinePage({ params }: { params: DatasetParams }) {
  const { entries, access, name } = await loadDatasetView(params, async (store, ref, access) => ({
    entries: await listDatasetQuarantine(store, ref),
    access,
    name: (await params).name,
  }));
  if (entries.length === 0) return <p className="text-muted-foreground">Nothing in quarantine: every payload pulled so far was read.</p>;
  return <QuarantineList workspace={access.workspace.slug} dataset={name} entries={entries} canDiscard={can(access.role, { quarantine: 'discard' })} />;
}
