'use server';

import { headers } from 'next/headers';
import { redirect } from 'next/navigation';
import { z } from 'zod';
import { workspacePath } from '@/app/_components/paths';
import { sameEmail, usableInvitation } from '@/lib/auth/account-policy';
import { SluiceError } from '@/lib/errors';
import { parseInput } from '@/lib/server/action-input';
import { runAction, type ActionResult } from '@/lib/server/action-result';
import { getAuth } from '@/lib/server/auth';
import { requireViewer } from '@/lib/server/guard';
import { getStore } from '@/lib/server/store';

/**
 * Joins a workspace, only as the invited address and only while the invitation is pending. Better
 * Auth checks the same (and lib/auth/create-auth.ts checks again inside it); Sluice does not rely on it.
 */
export async function acceptInvitation(invitationId: string): Promise<ActionResult> {
  let slug = '';
  const r = await runAction(async () => {
    const id = parseInput(z.string().min(1).max(100), invitationId);
    const viewer = await requireViewer();
    const invitation = await usableInvitation((await getStore()).prisma, id);
    if (!invitation) throw new SluiceError('INVALID_INPUT', 'This invitation does not exist, was cancelled, was already used, or has expired');
    if (!sameEmail(invitation.email, viewer.email)) throw new SluiceError('FORBIDDEN', `this invitation is for ${invitation.email}; you are signed in as ${viewer.email}`);
    await (await getAuth()).api.acceptInvitation({ headers: await headers(), body: { invitationId: id } });
    slug = invitation.organization.slug;
    return undefined;
  });
  if (r.ok) redirect(workspacePath(slug));
  return r;
}
