import type { Metadata } from 'next';
import { ManifestEditor } from '@/app/_components/manifest-editor/manifest-editor';
import { newMqttManifest } from '@/lib/odf/new-mqtt-manifest';
import { createDataset } from './actions';

export const metadata: Metadata = { title: 'New dataset' };

export default function NewDatasetPage() {
  return (
    <div className="flex flex-col gap-3">
      <h1 className="text-lg font-semibold">New dataset</h1>
      <ManifestEditor openAfterSave initialYaml={newMqttManifest()} nameEditable save={createDataset} saveLabel="Create dataset" />
    </div>
  );
}
