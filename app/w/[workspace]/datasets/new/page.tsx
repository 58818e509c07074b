import type { Metadata } from 'next';
import { ManifestEditor } from '@/app/_components/manifest-editor/manifest-editor';
import { newMqttManifest } from '@/lib/odf/new-mqtt-manifest';
import { brokerEndpoint } from '@/lib/brokers/broker-endpoint';
import { readEnv } from '@/lib/config/env';
import { requireWorkspace } from '@/lib/server/guard';
import { guardPage } from '@/lib/server/page-guard';
import { createDataset } from './actions';

export const metadata: Metadata = { title: 'New dataset' };

/** The broker this console runs with (SLUICE_BROKER_URL; `sluice start` sets the embedded one's), as a manifest's host and port. */
function consoleBroker(): { host: string; port: number } | undefined {
  const url = readEnv().SLUICE_BROKER_URL;
  if (!url) return undefined;
  const e = brokerEndpoint(url);
  const host = e.host.includes(':') ? `[${e.host}]` : e.host;
  return { host: e.scheme === 'mqtt' ? e.host : `${e.scheme}://${host}`, port: e.port };
}

export default async function NewDatasetPage({ params }: { params: Promise<{ workspace: string }> }) {
  const { workspace } = await params;
  const access = await guardPage(() => requireWorkspace(workspace, { dataset: 'create' }));
  const slug = access.workspace.slug;
  const save = async (yaml: string) => {
    'use server';
    return createDataset({ workspace: slug, yaml });
  };
  return (
    <div className="flex flex-col gap-3">
      <h1 className="text-lg font-semibold">New dataset</h1>
      <ManifestEditor initialYaml={newMqttManifest(consoleBroker())} nameEditable save={save} saveLabel="Create dataset" />
    </div>
  );
}
