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

/** Secret names are what `${{ env.NAME }}` templates refer to. */
const SecretName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,99}$/, 'a secret name is letters, digits and _ (as in ${{ env.NAME }})');
const Target = z.object({ workspace: WorkspaceSlug, dataset: DatasetName.optional(), name: SecretName });
const SetInput = Target.extend({ value: z.string().min(1, 'a secret needs a value').max(10_000) });

/** Where a secret lives: the workspace, or one of its datasets (which then overrides the workspace's). */
async function place(workspace: string, dataset: string | undefined) {
  const access = await requireWorkspace(workspace, { secret: 'manage' });
  const store = await getStore();
  const datasetId = dataset ? (await getDatasetOrThrow(store.datasets, datasetKey(access.workspace.id, dataset))).id : null;
  return { access, store, datasetId };
}

/** Sets or replaces a secret; the value is sealed on the server and never shown again. */
export async function setSecret(input: z.input<typeof SetInput>): Promise<ActionResult> {
  return runAction(async () => {
    const { workspace, dataset, name, value } = parseInput(SetInput, input);
    const { access, store, datasetId } = await place(workspace, dataset);
    await store.secrets.set({ workspaceId: access.workspace.id, datasetId, name, value, by: access.viewer.email });
    await recordActivity(access, 'secret.set', dataset ? `${dataset}/${name}` : name);
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
