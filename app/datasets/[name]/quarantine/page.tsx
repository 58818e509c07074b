import { listDatasetQuarantine } from '@/lib/datasets/dataset-quarantine';
import { loadDatasetView } from '../load-dataset';
import { QuarantineList } from './quarantine-list';

export default async function DatasetQuarantinePage({ params }: { params: Promise<{ name: string }> }) {
  const name = decodeURIComponent((await params).name);
  const entries = await loadDatasetView(params, listDatasetQuarantine);
  if (entries.length === 0) return <p className="text-muted-foreground">Nothing in quarantine: every payload pulled so far was read.</p>;
  return <QuarantineList dataset={name} entries={entries} />;
}
