'use server';

import { revalidatePath } from 'next/cache';
import { z } from 'zod';
import { datasetPath, workspacePath } from '@/app/_components/paths';
import { addDataset } from '@/lib/datasets/add-dataset';
import { checkSourceBroker } from '@/lib/datasets/check-source';
import { parseManifest } from '@/lib/odf';
import { parseInput, WorkspaceSlug } from '@/lib/server/action-input';
import { runAction, type ActionResult } from '@/lib/server/action-result';
import { recordActivity } from '@/lib/server/activity';
import { requireWorkspace } from '@/lib/server/guard';
import { getStore } from '@/lib/server/store';

const CreateInput = z.object({ workspace: WorkspaceSlug, yaml: z.string().max(1_000_000, 'the manifest is larger than 1 MB') });

/** Adds a dataset from manifest YAML (a form's or an imported Kamu manifest), checked as a pull would. */
export async function createDataset(input: z.input<typeof CreateInput>): Promise<ActionResult<{ name: string; open: string; message: string }>> {
  return runAction(async () => {
    const { workspace, yaml } = parseInput(CreateInput, input);
    const access = await requireWorkspace(workspace, { dataset: 'create' });
    // The source itself is checked by addDataset; the broker policy here, before anything is stored.
    await checkSourceBroker(parseManifest(yaml));
    const store = await getStore();
    // Kamu's `account/name` places the dataset in that account's workspace: only where this
    // account may create datasets too (the guard decides, as for the page it was sent from).
    let target = access;
    const added = await addDataset({
      store,
      manifest: yaml,
      workspaceFor: async (account) => {
        if (account !== undefined && account !== workspace) target = await requireWorkspace(account, { dataset: 'create' });
        return target.workspace;
      },
    });
    await recordActivity(target, 'dataset.create', added.key.name);
    revalidatePath(workspacePath(added.workspace));
    return { name: added.key.name, open: datasetPath(added.workspace, added.key.name), message: `Created ${added.key.name}${added.workspace === workspace ? '' : ` in workspace ${added.workspace}`}` };
  });
}
