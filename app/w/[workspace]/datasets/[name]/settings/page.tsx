import { formatTime } from '@/app/_components/format';
import { SecretsEditor } from '@/app/_components/secrets-editor';
import { Card, CardHeader, CardTitle } from '@/app/_components/ui/card';
import { getDatasetOrThrow } from '@/lib/datasets/dataset-layout';
import { loadDatasetView, type DatasetParams } from '../load-dataset';

export default async function DatasetSettingsPage({ params }: { params: DatasetParams }) {
  const { d, secrets } = await loadDatasetView(
    params,
    async (store, ref) => {
      const d = await getDatasetOrThrow((n) => store.datasets.find(n), ref);
      return { d, secrets: await store.secrets.list(d.workspaceId, d.id) };
    },
    { secret: 'manage' },
  );
  return (
    <Card>
      <CardHeader>
        <CardTitle>Secrets</CardTitle>
      </CardHeader>
      <div className="p-3">
        <SecretsEditor workspace={d.workspace} dataset={d.name} secrets={secrets.map((s) => ({ ...s, updatedAt: formatTime(s.updatedAt.toISOString()) }))} />
      </div>
    </Card>
  );
}
