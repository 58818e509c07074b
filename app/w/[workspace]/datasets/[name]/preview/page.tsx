import { can } from '@/lib/auth/roles';
import { getPreviewConfig } from '@/lib/datasets/preview-config';
import { loadDatasetView, type DatasetParams } from '../load-dataset';
import { LivePreview } from './live-preview';

export default async function DatasetPreviewPage({ params }: { params: DatasetParams }) {
  const { config, role } = await loadDatasetView(params, async (store, ref, access) => ({ config: await getPreviewConfig(store, ref), role: access.role }));
  const qos0 = config.topics.filter((t) => t.qos === 0).map((t) => t.path);
  return (
    <div className="flex flex-col gap-2">
      {qos0.length ? (
        <p className="text-xs text-muted-foreground" data-testid="qos0-notice">
          {qos0.join(', ')} {qos0.length === 1 ? 'is' : 'are'} subscribed at QoS 0 (AtMostOnce): the broker keeps nothing for a pull that is not connected, so a pull gets only what arrives while it runs, and retained values — not the messages previewed here.
        </p>
      ) : null}
      <LivePreview config={config} canPublish={can(role, { dataset: 'publish' })} canEdit={can(role, { dataset: 'edit' })} />
    </div>
  );
}
