import { can } from '@/lib/auth/roles';
import { getPreviewConfig } from '@/lib/datasets/preview-config';
import { loadDatasetView, type DatasetParams } from '../load-dataset';
import { LivePreview } from './live-preview';

export default async function DatasetPreviewPage({ params }: { params: DatasetParams }) {
  const { config, role } = await loadDatasetView(params, async (store, ref, access) => ({ config: await getPreviewConfig(store, ref), role: access.role }));
  return <LivePreview config={config} canPublish={can(role, { dataset: 'publish' })} canEdit={can(role, { dataset: 'edit' })} />;
}
