'use server';

import { headers } from 'next/headers';
import { redirect } from 'next/navigation';
import { z } from 'zod';
import { workspacePath } from '@/app/_components/paths';
import { SluiceError } from '@/lib/errors';
import { parseInput } from '@/lib/server/action-input';
import { runAction, type ActionResult } from '@/lib/server/action-result';
import { getAuth } from '@/lib/server/auth';
import { requireViewer } from '@/lib/server/guard';
import { getStore } from '@/lib/server/store';

/** Joins a workspace: Better Auth checks the invitation is pending and for the signed-in email. */
export async function acceptInvitation(invitationId: string): Promise<ActionResult> {
  let slug = '';
  const r = await runAction(async () => {
    const id = parseInput(z.string().min(1).max(100), invitationId);
    await requireViewer();
    const invitation = await (await getStore()).workspaces.invitation(id);
    if (!invitation) throw new SluiceError('INVALID_INPUT', 'no such invitation');
    await (await getAuth()).api.acceptInvitation({ headers: await headers(), body: { invitationId: id } });
    slug = invitation.organization.slug;
    return undefined;
  });
  if (r.ok) redirect(workspacePath(slug));
  return r;
}
