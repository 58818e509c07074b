import { getPreviewConfig } from '@/lib/datasets/preview-config';
import { loadDatasetView } from '../load-dataset';
import { LivePreview } from './live-preview';

export default async function DatasetPreviewPage({ params }: { params: Promise<{ name: string }> }) {
  const config = await loadDatasetView(params, getPreviewConfig);
  return <LivePreview config={config} />;
}
