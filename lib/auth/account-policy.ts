import type { AccountPolicy } from '../config/signup';
import type { PrismaClient } from '../store/prisma';

/**
 * The account policy applied to the database: who may sign up, who may create workspaces. Better
 * Auth's own endpoints call these from lib/auth/create-auth.ts (so a request straight to
 * /api/auth/… is held to them); pages call them to say what is possible.
 */

type Db = Pick<PrismaClient, 'user' | 'member' | 'invitation'>;

/** An invitation that can still be used: pending and not expired. */
export async function usableInvitation(db: Db, invitationId: string | undefined) {
  if (!invitationId) return null;
  const inv = await db.invitation.findUnique({
    where: { id: invitationId },
    include: { organization: { select: { id: true, name: true, slug: true } }, inviter: { select: { name: true, email: true } } },
  });
  return inv && inv.status === 'pending' && inv.expiresAt > new Date() ? inv : null;
}

export function sameEmail(a: string, b: string): boolean {
  return a.trim().toLowerCase() === b.trim().toLowerCase();
}

/** Whether the first account exists (made by /setup; until then, nobody may sign up). */
export async function isSetUp(db: Db): Promise<boolean> {
  return (await db.user.count()) > 0;
}

/**
 * Why creating an account for `email` is refused, or null when allowed:
 * - before setup nobody signs up (the first account is /setup's, atomically);
 * - with an invitation, only the invited address, and only while the invitation is usable;
 * - otherwise only when the operator opened sign-up.
 *
 * The invitation id (from the link, a bearer secret) is required: knowing an invited address is
 * not enough, since addresses are not verified.
 */
export async function signupRefusal(db: Db, policy: AccountPolicy, req: { email: string; invitationId?: unknown }): Promise<string | null> {
  if (!(await isSetUp(db))) return 'Sluice is not set up yet: the first account is created on the /setup page.';
  if (req.invitationId !== undefined && req.invitationId !== null && req.invitationId !== '') {
    if (typeof req.invitationId !== 'string') return 'invalid invitation';
    const inv = await usableInvitation(db, req.invitationId);
    if (!inv) return 'This invitation is unknown, cancelled, already used or expired: ask a maintainer for a new one.';
    if (!sameEmail(inv.email, req.email)) return `This invitation is for ${inv.email}: sign up with that address.`;
    return null;
  }
  if (policy.openSignup) return null;
  return 'Sign-up is by invitation only: open the invitation link a workspace maintainer gave you.';
}

/** Whether the account may create a workspace from the console (SLUICE_WORKSPACE_CREATORS). */
export async function mayCreateWorkspace(db: Db, policy: AccountPolicy, userId: string): Promise<boolean> {
  switch (policy.workspaceCreators) {
    case 'everyone':
      return true;
    case 'nobody':
      return false;
    case 'maintainers': {
      const roles = await db.member.findMany({ where: { userId }, select: { role: true } });
      return roles.some((m) => m.role.split(',').map((r) => r.trim()).includes('maintainer'));
    }
  }
}

export const WORKSPACE_CREATORS_MESSAGE: Record<AccountPolicy['workspaceCreators'], string> = {
  maintainers: 'Only maintainers of a workspace may create workspaces: ask a maintainer to invite you to one instead.',
  everyone: '',
  nobody: 'Workspaces are created by the operator of this Sluice: ask them, or ask a maintainer for an invitation.',
};
