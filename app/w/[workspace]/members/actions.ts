'use server';

import { revalidatePath } from 'next/cache';
import { headers } from 'next/headers';
import { redirect } from 'next/navigation';
import { z } from 'zod';
import { workspacePath } from '@/app/_components/paths';
import { ROLE_NAMES, type Role } from '@/lib/auth/roles';
import { parseInput, WorkspaceSlug } from '@/lib/server/action-input';
import { runAction, type ActionResult } from '@/lib/server/action-result';
import { getAuth } from '@/lib/server/auth';
import { recordActivity } from '@/lib/server/activity';
import { requireWorkspace, type WorkspaceAccess } from '@/lib/server/guard';
import { SluiceError } from '@/lib/errors';
import { getStore } from '@/lib/server/store';
import { inSluiceWords } from '@/lib/server/member-refusals';

const RoleName = z.enum(ROLE_NAMES as [Role, ...Role[]]);

/** The email of member `memberId` of the guarded workspace; an id of any other workspace is refused here, before Better Auth. */
async function memberOf(access: WorkspaceAccess, memberId: string): Promise<string> {
  const email = await (await getStore()).workspaces.memberEmail(access.workspace.id, memberId);
  if (email === undefined) throw new SluiceError('INVALID_INPUT', 'no such member in this workspace');
  return email;
}

// Each action passes Sluice's guard first, and the member or invitation it names must belong to
// the workspace the guard checked; Better Auth's organization endpoints then check the same roles
// again (accessControl in lib/auth/roles.ts), but for the target's own workspace, which a caller
// maintaining several could otherwise reach through this one's guard.

const InviteInput = z.object({ workspace: WorkspaceSlug, email: z.email(), role: RoleName });

/** Creates an invitation; its id is the code, and /invite/<id> the link the maintainer passes on. */
export async function inviteMember(input: z.input<typeof InviteInput>): Promise<ActionResult<{ invitationId: string }>> {
  return runAction(async () => {
    const { workspace, email, role } = parseInput(InviteInput, input);
    const access = await requireWorkspace(workspace, { invitation: 'create' });
    const invitation = await (await getAuth()).api.createInvitation({ headers: await headers(), body: { email, role, organizationId: access.workspace.id } });
    await recordActivity(access, 'member.invite', email, { role });
    revalidatePath(`${workspacePath(workspace)}/members`);
    return { invitationId: invitation.id };
  });
}

const InvitationInput = z.object({ workspace: WorkspaceSlug, invitationId: z.string().min(1) });

export async function cancelInvitation(input: z.input<typeof InvitationInput>): Promise<ActionResult> {
  return runAction(async () => {
    const { workspace, invitationId } = parseInput(InvitationInput, input);
    const access = await requireWorkspace(workspace, { invitation: 'cancel' });
    const email = await (await getStore()).workspaces.pendingInvitationEmail(access.workspace.id, invitationId);
    if (email === undefined) throw new SluiceError('INVALID_INPUT', 'no pending invitation with this code in this workspace');
    await (await getAuth()).api.cancelInvitation({ headers: await headers(), body: { invitationId } });
    await recordActivity(access, 'member.cancel-invitation', email);
    revalidatePath(`${workspacePath(workspace)}/members`);
    return undefined;
  });
}

const RoleInput = z.object({ workspace: WorkspaceSlug, memberId: z.string().min(1), role: RoleName });

export async function changeRole(input: z.input<typeof RoleInput>): Promise<ActionResult> {
  const r = await runAction(async () => {
    const { workspace, memberId, role } = parseInput(RoleInput, input);
    const access = await requireWorkspace(workspace, { member: 'update' });
    const email = await memberOf(access, memberId);
    await (await getAuth()).api.updateMemberRole({ headers: await headers(), body: { memberId, role, organizationId: access.workspace.id } });
    await recordActivity(access, 'member.role', email, { role });
    revalidatePath(`${workspacePath(workspace)}/members`);
    return undefined;
  });
  return inSluiceWords(r, 'role');
}

const MemberInput = z.object({ workspace: WorkspaceSlug, memberId: z.string().min(1) });

export async function removeMember(input: z.input<typeof MemberInput>): Promise<ActionResult> {
  const r = await runAction(async () => {
    const { workspace, memberId } = parseInput(MemberInput, input);
    const access = await requireWorkspace(workspace, { member: 'delete' });
    const email = await memberOf(access, memberId);
    await (await getAuth()).api.removeMember({ headers: await headers(), body: { memberIdOrEmail: memberId, organizationId: access.workspace.id } });
    await recordActivity(access, 'member.remove', email);
    revalidatePath(`${workspacePath(workspace)}/members`);
    return undefined;
  });
  return inSluiceWords(r, 'remove');
}

const LeaveInput = z.object({ workspace: WorkspaceSlug });

export async function leaveWorkspace(input: z.input<typeof LeaveInput>): Promise<ActionResult> {
  const r = await runAction(async () => {
    const { workspace } = parseInput(LeaveInput, input);
    const access = await requireWorkspace(workspace, { dataset: 'read' });
    await (await getAuth()).api.leaveOrganization({ headers: await headers(), body: { organizationId: access.workspace.id } });
    await recordActivity(access, 'member.leave', access.viewer.email);
    return undefined;
  });
  if (r.ok) redirect('/');
  return inSluiceWords(r, 'leave');
}
