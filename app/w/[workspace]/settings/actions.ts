'use server';

import { revalidatePath } from 'next/cache';
import { z } from 'zod';
import { workspacePath } from '@/app/_components/paths';
import { getDatasetOrThrow } from '@/lib/datasets/dataset-layout';
import { DatasetName, parseInput, WorkspaceSlug } from '@/lib/server/action-input';
import { runAction, type ActionResult } from '@/lib/server/action-result';
import { recordActivity } from '@/lib/server/activity';
import { requireWorkspace } from '@/lib/server/guard';
import { getStore } from '@/lib/server/store';
import { datasetKey } from '@/lib/datasets/dataset-key';
import { SluiceError } from '@/lib/errors';
import { parseBrokerBindings } from '@/lib/secrets/secret-release';

/** Secret names are what `${{ env.NAME }}` templates refer to. */
const SecretName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,99}$/, 'a secret name is letters, digits and _ (as in ${{ env.NAME }})');
const Target = z.object({ workspace: WorkspaceSlug, dataset: DatasetName.optional(), name: SecretName });
/** Broker URLs the secret may be sent to, separated by commas, spaces or lines. */
const Brokers = z.string().max(4000);
const SetInput = Target.extend({ value: z.string().min(1, 'a secret needs a value').max(10_000), brokers: Brokers });
const BindInput = Target.extend({ brokers: Brokers });

/** Where a secret lives: the workspace, or one of its datasets (which then overrides the workspace's). */
async function place(workspace: string, dataset: string | undefined) {
  const access = await requireWorkspace(workspace, { secret: 'manage' });
  const store = await getStore();
  const d = dataset ? await getDatasetOrThrow(store.datasets, datasetKey(access.workspace.id, dataset)) : undefined;
  return { access, store, datasetId: d?.id ?? null };
}

/**
 * The brokers a maintainer binds a secret to: exactly the ones they submitted, never inferred here.
 * A dataset's broker is only the form's suggestion, shown in the field: it may be a host an editor
 * chose, so binding to it silently would send the maintainer's secret there unseen. Replacing a
 * value without naming brokers keeps the secret's bindings (none: still never sent).
 */
async function bindings(p: Awaited<ReturnType<typeof place>>, name: string, text: string, replacing: boolean): Promise<string[]> {
  const brokers = parseBrokerBindings(text);
  if (brokers.length) return brokers;
  const existing = replacing ? (await p.store.secrets.list(p.access.workspace.id, p.datasetId ?? undefined)).find((s) => s.name === name && (s.scope === 'dataset') === (p.datasetId !== null)) : undefined;
  if (existing) return existing.brokers;
  throw new SluiceError('INVALID_INPUT', 'brokers: name the broker(s) this secret may be sent to, e.g. mqtts://broker.example.com:8883');
}

/** Sets or replaces a secret; the value is sealed on the server and never shown again. */
export async function setSecret(input: z.input<typeof SetInput>): Promise<ActionResult> {
  return runAction(async () => {
    const { workspace, dataset, name, value, brokers } = parseInput(SetInput, input);
    const p = await place(workspace, dataset);
    const bound = await bindings(p, name, brokers, true);
    await p.store.secrets.set({ workspaceId: p.access.workspace.id, datasetId: p.datasetId, name, value, brokers: bound, by: p.access.viewer.email });
    await recordActivity(p.access, 'secret.set', dataset ? `${dataset}/${name}` : name, { brokers: bound });
    revalidatePath(workspacePath(workspace), 'layout');
    return undefined;
  });
}

/** Changes the brokers an existing secret may be sent to (e.g. after its dataset moved), keeping its value. */
export async function bindSecret(input: z.input<typeof BindInput>): Promise<ActionResult> {
  return runAction(async () => {
    const { workspace, dataset, name, brokers } = parseInput(BindInput, input);
    const p = await place(workspace, dataset);
    const bound = await bindings(p, name, brokers, false);
    if (!(await p.store.secrets.bind({ workspaceId: p.access.workspace.id, datasetId: p.datasetId, name, brokers: bound, by: p.access.viewer.email }))) {
      throw new SluiceError('INVALID_INPUT', `no secret ${name} here`);
    }
    await recordActivity(p.access, 'secret.set', dataset ? `${dataset}/${name}` : name, { brokers: bound });
    revalidatePath(workspacePath(workspace), 'layout');
    return undefined;
  });
}

export async function deleteSecret(input: z.input<typeof Target>): Promise<ActionResult> {
  return runAction(async () => {
    const { workspace, dataset, name } = parseInput(Target, input);
    const { access, store, datasetId } = await place(workspace, dataset);
    await store.secrets.delete({ workspaceId: access.workspace.id, datasetId, name });
    await recordActivity(access, 'secret.delete', dataset ? `${dataset}/${name}` : name);
    revalidatePath(workspacePath(workspace), 'layout');
    return undefined;
  });
}
