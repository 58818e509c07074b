'use server';

import { revalidatePath } from 'next/cache';
import { z } from 'zod';
import { SluiceError } from '@/lib/errors';
import { runAction, type ActionResult } from '@/lib/server/action-result';
import { findRunningPull, startPullRun, type PullRunState } from '@/lib/server/pull-runner';
import { getStore } from '@/lib/server/store';
import { getDatasetOrThrow } from '@/lib/datasets/dataset-layout';
import type { JsonRow } from '@/lib/ingest/ports';
import { updateDatasetManifest } from '@/lib/datasets/update-dataset-manifest';

const DatasetName = z.string().min(1).max(200);

function parse<T>(schema: z.ZodType<T>, value: unknown): T {
  const r = schema.safeParse(value);
  if (!r.success) throw new SluiceError('INVALID_INPUT', r.error.issues.map((i) => i.message).join('; '));
  return r.data;
}

function datasetPath(name: string): string {
  return `/datasets/${encodeURIComponent(name)}`;
}

/** Starts the authoritative pull; a pull already running here is followed instead of started twice. */
export async function pullNow(name: string): Promise<ActionResult<{ run: PullRunState; alreadyRunning: boolean }>> {
  return runAction(async () => {
    const dataset = parse(DatasetName, name);
    const running = findRunningPull(dataset);
    if (running) return { run: running, alreadyRunning: true };
    return { run: await startPullRun(await getStore(), dataset), alreadyRunning: false };
  });
}

const DiscardInput = z.object({ dataset: DatasetName, ids: z.union([z.literal('all'), z.array(z.string().regex(/^\d+$/)).min(1)]) });

export async function discardQuarantined(input: z.input<typeof DiscardInput>): Promise<ActionResult<{ discarded: number }>> {
  return runAction(async () => {
    const { dataset, ids } = parse(DiscardInput, input);
    const store = await getStore();
    const d = await getDatasetOrThrow((n) => store.datasets.find(n), dataset);
    const discarded = await store.datasets.discardQuarantine(d.id, ids === 'all' ? 'all' : ids.map(BigInt));
    revalidatePath(datasetPath(dataset), 'layout');
    return { discarded };
  });
}

const PreviewUrlInput = z.object({
  dataset: DatasetName,
  url: z.union([z.literal(''), z.url({ protocol: /^wss?$/, error: 'a WebSocket URL starts with ws:// or wss://' })]),
});

/** Stores the broker's MQTT-over-WebSocket URL the live preview connects to. */
export async function setPreviewUrl(input: z.input<typeof PreviewUrlInput>): Promise<ActionResult> {
  return runAction(async () => {
    const { dataset, url } = parse(PreviewUrlInput, input);
    const store = await getStore();
    const d = await getDatasetOrThrow((n) => store.datasets.find(n), dataset);
    await store.datasets.setPreviewWsUrl(d.id, url || null);
    revalidatePath(datasetPath(dataset), 'layout');
    return undefined;
  });
}

/** Committed state rows are capped for the preview: a Snapshot's full state can be large. */
const PREVIEW_STATE_LIMIT = 50_000;

const PreviewStateInput = z.object({ dataset: DatasetName, keys: z.union([z.literal('all'), z.array(z.string()).max(PREVIEW_STATE_LIMIT)]) });

/** The committed key state the preview's "next pull would commit" merges against. */
export async function loadPreviewState(input: z.input<typeof PreviewStateInput>): Promise<ActionResult<[string, JsonRow | null][]>> {
  return runAction(async () => {
    const { dataset, keys } = parse(PreviewStateInput, input);
    const store = await getStore();
    const d = await getDatasetOrThrow((n) => store.datasets.find(n), dataset);
    const state = await store.ingest.loadKeyState(d.num, keys);
    if (state.size > PREVIEW_STATE_LIMIT) {
      throw new SluiceError('INVALID_INPUT', `the dataset's state holds ${state.size} keys, more than the preview merges against (${PREVIEW_STATE_LIMIT})`);
    }
    return [...state];
  });
}

const SaveManifestInput = z.object({ dataset: DatasetName, yaml: z.string().max(1_000_000) });

/** Saves an edited manifest: changed events are appended to the chain (see updateDatasetManifest). */
export async function saveManifest(input: z.input<typeof SaveManifestInput>): Promise<ActionResult<{ name: string; message: string }>> {
  return runAction(async () => {
    const { dataset, yaml } = parse(SaveManifestInput, input);
    const store = await getStore();
    const { appended } = await updateDatasetManifest({ datasets: store.datasets, name: dataset, manifest: yaml });
    revalidatePath(datasetPath(dataset), 'layout');
    return { name: dataset, message: appended.length ? `Appended ${appended.join(', ')} to the metadata chain` : 'Nothing changed' };
  });
}
