'use server';

import { revalidatePath } from 'next/cache';
import { z } from 'zod';
import { redirect } from 'next/navigation';
import { datasetPath, workspacePath } from '@/app/_components/paths';
import { SluiceError } from '@/lib/errors';
import { getDatasetOrThrow } from '@/lib/datasets/dataset-layout';
import { updateDatasetManifest } from '@/lib/datasets/update-dataset-manifest';
import { setSnapshotScope } from '@/lib/datasets/set-snapshot-scope';
import { ALWAYS_ON_PERMISSION, setAlwaysOn } from '@/lib/datasets/set-always-on';
import { SnapshotScope } from '@/lib/datasets/snapshot-scope';
import { assertValidFilter } from '@/lib/ingest/fetch/topic-filter';
import { isPushDataset } from '@/lib/odf/mqtt-source';
import { committedKeyState } from '@/lib/ingest/committed-key-state';
import { describeSchedule, parseScheduleSpec } from '@/lib/schedules/schedule-spec';
import type { JsonRow } from '@/lib/ingest/ports';
import { DatasetTarget, parseInput } from '@/lib/server/action-input';
import { runAction, type ActionResult } from '@/lib/server/action-result';
import { recordActivity } from '@/lib/server/activity';
import { requireDataset } from '@/lib/server/guard';
import { findRunningPull, startPullRun, type PullRunState } from '@/lib/server/pull-runner';
import { getStore } from '@/lib/server/store';

/** Starts the authoritative pull; a pull already running here is followed instead of started twice. */
export async function pullNow(input: DatasetTarget): Promise<ActionResult<{ run: PullRunState; alreadyRunning: boolean }>> {
  return runAction(async () => {
    const t = parseInput(DatasetTarget, input);
    const access = await requireDataset(t.workspace, t.dataset, { dataset: 'pull' });
    const running = findRunningPull(access.dataset);
    if (running) return { run: running, alreadyRunning: true };
    const run = await startPullRun(await getStore(), access.workspace, access.dataset);
    await recordActivity(access, 'dataset.pull', t.dataset);
    return { run, alreadyRunning: false };
  });
}

const DiscardInput = DatasetTarget.extend({ ids: z.union([z.literal('all'), z.array(z.string().regex(/^\d+$/)).min(1)]) });

export async function discardQuarantined(input: z.input<typeof DiscardInput>): Promise<ActionResult<{ discarded: number }>> {
  return runAction(async () => {
    const { workspace, dataset, ids } = parseInput(DiscardInput, input);
    const access = await requireDataset(workspace, dataset, { quarantine: 'discard' });
    const store = await getStore();
    const d = await getDatasetOrThrow(store.datasets, access.dataset);
    const discarded = await store.datasets.discardQuarantine(d.id, ids === 'all' ? 'all' : ids.map(BigInt));
    await recordActivity(access, 'quarantine.discard', dataset, { messages: discarded });
    revalidatePath(datasetPath(workspace, dataset), 'layout');
    return { discarded };
  });
}

const PreviewUrlInput = DatasetTarget.extend({
  url: z.union([z.literal(''), z.url({ protocol: /^wss?$/, error: 'a WebSocket URL starts with ws:// or wss://' })]),
});

/** Stores the broker's MQTT-over-WebSocket URL the live preview connects to. */
export async function setPreviewUrl(input: z.input<typeof PreviewUrlInput>): Promise<ActionResult> {
  return runAction(async () => {
    const { workspace, dataset, url } = parseInput(PreviewUrlInput, input);
    const access = await requireDataset(workspace, dataset, { dataset: 'edit' });
    const store = await getStore();
    const d = await getDatasetOrThrow(store.datasets, access.dataset);
    await store.datasets.setPreviewWsUrl(d.id, url || null);
    await recordActivity(access, 'dataset.edit', dataset, { previewUrl: url || null });
    revalidatePath(datasetPath(workspace, dataset), 'layout');
    return undefined;
  });
}

const SnapshotScopeInput = DatasetTarget.extend({ scope: SnapshotScope });

/** Sets what a Snapshot pull takes as its snapshot (editors, like the manifest's merge step). */
export async function setDatasetSnapshotScope(input: z.input<typeof SnapshotScopeInput>): Promise<ActionResult> {
  return runAction(async () => {
    const { workspace, dataset, scope } = parseInput(SnapshotScopeInput, input);
    const access = await requireDataset(workspace, dataset, { dataset: 'edit' });
    await setSnapshotScope(await getStore(), access.dataset, scope);
    await recordActivity(access, 'dataset.edit', dataset, { snapshotScope: scope });
    revalidatePath(datasetPath(workspace, dataset), 'layout');
    return undefined;
  });
}

const PushTopicInput = DatasetTarget.extend({ filter: z.string().trim().max(1024) });

/** Sets the topic filter a push dataset receives device messages on (empty: `<name>/#`); kept outside the manifest. */
export async function setPushTopic(input: z.input<typeof PushTopicInput>): Promise<ActionResult> {
  return runAction(async () => {
    const { workspace, dataset, filter } = parseInput(PushTopicInput, input);
    const access = await requireDataset(workspace, dataset, { dataset: 'edit' });
    if (filter) assertValidFilter(filter);
    if (filter.startsWith('$')) throw new SluiceError('TOPIC_FILTER_INVALID', 'devices cannot publish to "$" topics');
    const store = await getStore();
    const d = await getDatasetOrThrow(store.datasets, access.dataset);
    if (!isPushDataset(d.snapshot)) throw new SluiceError('NOT_A_PUSH_DATASET', `dataset "${dataset}" has no push source (AddPushSource)`);
    await store.devices.setPushTopic(d.id, filter || null);
    await recordActivity(access, 'dataset.edit', dataset, { pushTopic: filter || null });
    revalidatePath(datasetPath(workspace, dataset), 'layout');
    return undefined;
  });
}

/** Committed state rows are capped for the preview: a Snapshot's full state can be large. */
const PREVIEW_STATE_LIMIT = 50_000;

const PreviewStateInput = DatasetTarget.extend({ keys: z.union([z.literal('all'), z.array(z.string()).max(PREVIEW_STATE_LIMIT)]) });

/** The committed key state the preview's "next pull would commit" merges against. */
export async function loadPreviewState(input: z.input<typeof PreviewStateInput>): Promise<ActionResult<[string, JsonRow | null][]>> {
  return runAction(async () => {
    const { workspace, dataset, keys } = parseInput(PreviewStateInput, input);
    const access = await requireDataset(workspace, dataset, { dataset: 'read' });
    const state = await committedKeyState((await getStore()).ingest, access.dataset, keys);
    if (state.size > PREVIEW_STATE_LIMIT) {
      throw new SluiceError('INVALID_INPUT', `the dataset's state holds ${state.size} keys, more than the preview merges against (${PREVIEW_STATE_LIMIT})`);
    }
    return [...state];
  });
}

const SaveManifestInput = DatasetTarget.extend({ yaml: z.string().max(1_000_000) });

/** Saves an edited manifest: changed events are appended to the chain (see updateDatasetManifest). */
export async function saveManifest(input: z.input<typeof SaveManifestInput>): Promise<ActionResult<{ name: string; message: string }>> {
  return runAction(async () => {
    const { workspace, dataset, yaml } = parseInput(SaveManifestInput, input);
    const access = await requireDataset(workspace, dataset, { dataset: 'edit' });
    const store = await getStore();
    const { appended } = await updateDatasetManifest({ store, dataset: access.dataset, manifest: yaml });
    if (appended.length) await recordActivity(access, 'dataset.edit', dataset, { appended });
    revalidatePath(datasetPath(workspace, dataset), 'layout');
    return { name: dataset, message: appended.length ? `Appended ${appended.join(', ')} to the metadata chain` : 'Nothing changed' };
  });
}

const ScheduleInput = DatasetTarget.extend({
  schedule: z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('off') }),
    z.object({ kind: z.literal('every'), minutes: z.coerce.number() }),
    z.object({ kind: z.literal('cron'), cron: z.string().max(200) }),
  ]),
});

/** Sets or removes the dataset's pull schedule (maintainers). */
export async function setSchedule(input: z.input<typeof ScheduleInput>): Promise<ActionResult> {
  return runAction(async () => {
    const { workspace, dataset, schedule } = parseInput(ScheduleInput, input);
    const access = await requireDataset(workspace, dataset, { schedule: 'manage' });
    const store = await getStore();
    const d = await getDatasetOrThrow(store.datasets, access.dataset);
    if (schedule.kind === 'off') {
      await store.schedules.remove(d.id);
      await recordActivity(access, 'schedule.remove', dataset);
    } else {
      const spec = parseScheduleSpec(schedule.kind === 'every' ? { everyMinutes: schedule.minutes } : { cron: schedule.cron });
      await store.schedules.set(d.id, spec, access.viewer.email);
      await recordActivity(access, 'schedule.set', dataset, { schedule: describeSchedule(spec) });
    }
    revalidatePath(datasetPath(workspace, dataset), 'layout');
    return undefined;
  });
}

const AlwaysOnInput = DatasetTarget.extend({ on: z.boolean() });

/** Makes the dataset always on (streamed by the worker) or not (maintainers). */
export async function setDatasetAlwaysOn(input: z.input<typeof AlwaysOnInput>): Promise<ActionResult> {
  return runAction(async () => {
    const { workspace, dataset, on } = parseInput(AlwaysOnInput, input);
    const access = await requireDataset(workspace, dataset, ALWAYS_ON_PERMISSION);
    await setAlwaysOn(await getStore(), access.dataset, on);
    await recordActivity(access, 'dataset.edit', dataset, { alwaysOn: on });
    revalidatePath(datasetPath(workspace, dataset), 'layout');
    return undefined;
  });
}

/** Deletes the dataset and everything it holds (maintainers); the broker session is left to expire. */
export async function deleteDataset(input: DatasetTarget): Promise<ActionResult> {
  const r = await runAction(async () => {
    const t = parseInput(DatasetTarget, input);
    const access = await requireDataset(t.workspace, t.dataset, { dataset: 'delete' });
    const store = await getStore();
    const d = await getDatasetOrThrow(store.datasets, access.dataset);
    await store.datasets.delete(d.id);
    await recordActivity(access, 'dataset.delete', t.dataset);
    return undefined;
  });
  if (r.ok) redirect(workspacePath(input.workspace));
  return r;
}
