'use server';

import { revalidatePath } from 'next/cache';
import { z } from 'zod';
import { workspacePath } from '@/app/_components/paths';
import { createDeviceCredential } from '@/lib/devices/create-device-credential';
import { ZNewDeviceCredential } from '@/lib/devices/device-credential';
import { SluiceError } from '@/lib/errors';
import { recordActivity } from '@/lib/server/activity';
import { parseInput, WorkspaceSlug } from '@/lib/server/action-input';
import { runAction, type ActionResult } from '@/lib/server/action-result';
import { requireWorkspace } from '@/lib/server/guard';
import { getStore } from '@/lib/server/store';

const CreateInput = ZNewDeviceCredential.extend({ workspace: WorkspaceSlug });

/** Creates a device credential; the answer holds its secret, which is never shown again. */
export async function createDevice(input: z.input<typeof CreateInput>): Promise<ActionResult<{ username: string; secret: string }>> {
  return runAction(async () => {
    const { workspace, ...credential } = parseInput(CreateInput, input);
    const access = await requireWorkspace(workspace, { device: 'manage' });
    const created = await createDeviceCredential({ devices: (await getStore()).devices, workspaceId: access.workspace.id, input: credential, by: access.viewer.email });
    await recordActivity(access, 'device.create', credential.name, { username: created.credential.username });
    revalidatePath(`${workspacePath(workspace)}/devices`);
    return { username: created.credential.username, secret: created.secret };
  });
}

const RevokeInput = z.object({ workspace: WorkspaceSlug, id: z.string().min(1).max(100) });

/** Revokes a credential of the workspace: its device's open connections close within seconds. */
export async function revokeDevice(input: z.input<typeof RevokeInput>): Promise<ActionResult> {
  return runAction(async () => {
    const { workspace, id } = parseInput(RevokeInput, input);
    const access = await requireWorkspace(workspace, { device: 'manage' });
    const name = await (await getStore()).devices.revoke(access.workspace.id, id, new Date());
    if (!name) throw new SluiceError('INVALID_INPUT', 'no such device credential in this workspace (or it is already revoked)');
    await recordActivity(access, 'device.revoke', name);
    revalidatePath(`${workspacePath(workspace)}/devices`);
    return undefined;
  });
}
