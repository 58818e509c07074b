import type { Metadata } from 'next';
import { ManifestEditor } from '@/app/_components/manifest-editor/manifest-editor';
import { newMqttManifest } from '@/lib/odf/new-mqtt-manifest';
import { requireWorkspace } from '@/lib/server/guard';
import { guardPage } from '@/lib/server/page-guard';
import { createDataset } from './actions';

export const metadata: Metadata = { title: 'New dataset' };

export default async function NewDatasetPage({ params }: { params: Promise<{ workspace: string }> }) {
  const { workspace } = await params;
  const access = await guardPage(() => requireWorkspace(decodeURIComponent(workspace), { dataset: 'create' }));
  const slug = access.workspace.slug;
  const save = async (yaml: string) => {
    'use server';
    return createDataset({ workspace: slug, yaml });
  };
  return (
    <div className="flex flex-col gap-3">
      <h1 className="text-lg font-semibold">New dataset</h1>
      <ManifestEditor initialYaml={newMqttManifest()} nameEditable save={save} saveLabel="Create dataset" />
    </div>
  );
}
