'use server';

import { revalidatePath } from 'next/cache';
import { z } from 'zod';
import { workspacePath } from '@/app/_components/paths';
import { addDataset } from '@/lib/datasets/add-dataset';
import { checkMqttSource } from '@/lib/datasets/check-source';
import { parseManifest } from '@/lib/odf';
import { parseInput, WorkspaceSlug } from '@/lib/server/action-input';
import { runAction, type ActionResult } from '@/lib/server/action-result';
import { recordActivity } from '@/lib/server/activity';
import { requireWorkspace } from '@/lib/server/guard';
import { getStore } from '@/lib/server/store';

const CreateInput = z.object({ workspace: WorkspaceSlug, yaml: z.string().max(1_000_000, 'the manifest is larger than 1 MB') });

/** Adds a dataset from manifest YAML (a form's or an imported Kamu manifest), checked as a pull would. */
export async function createDataset(input: z.input<typeof CreateInput>): Promise<ActionResult<{ name: string; message: string }>> {
  return runAction(async () => {
    const { workspace, yaml } = parseInput(CreateInput, input);
    const access = await requireWorkspace(workspace, { dataset: 'create' });
    checkMqttSource(parseManifest(yaml), null);
    const store = await getStore();
    const { name } = await addDataset({ store, manifest: yaml, workspace });
    await recordActivity(access, 'dataset.create', name);
    revalidatePath(workspacePath(workspace));
    return { name, message: `Created ${name}` };
  });
}
