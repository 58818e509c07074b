'use server';

import { revalidatePath } from 'next/cache';
import { z } from 'zod';
import { SluiceError } from '@/lib/errors';
import { addDataset } from '@/lib/datasets/add-dataset';
import { checkMqttSource } from '@/lib/datasets/check-source';
import { parseManifest } from '@/lib/odf';
import { runAction, type ActionResult } from '@/lib/server/action-result';
import { getStore } from '@/lib/server/store';

const CreateInput = z.string().max(1_000_000);

/** Adds a dataset from manifest YAML (a form's or an imported Kamu manifest), checked as a pull would. */
export async function createDataset(yaml: string): Promise<ActionResult<{ name: string; message: string }>> {
  return runAction(async () => {
    const text = CreateInput.safeParse(yaml);
    if (!text.success) throw new SluiceError('INVALID_INPUT', 'the manifest is larger than 1 MB');
    checkMqttSource(parseManifest(text.data), null);
    const store = await getStore();
    const { name } = await addDataset({ datasets: store.datasets, manifest: text.data });
    revalidatePath('/');
    return { name, message: `Created ${name}` };
  });
}
