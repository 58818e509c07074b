import type { Metadata } from 'next';
import { formatTime } from '@/app/_components/format';
import { can, ROLE_NAMES } from '@/lib/auth/roles';
import { requireWorkspace } from '@/lib/server/guard';
import { guardPage } from '@/lib/server/page-guard';
import { getStore } from '@/lib/server/store';
import { MembersTable, InviteForm, PendingInvitations, LeaveButton } from './members-ui';

export const metadata: Metadata = { title: 'Members' };

export default async function MembersPage({ params }: { params: Promise<{ workspace: string }> }) {
  const slug = (await params).workspace;
  const access = await guardPage(() => requireWorkspace(slug, { dataset: 'read' }));
  const store = await getStore();
  const manage = can(access.role, { member: 'update' });
  const [members, invitations] = await Promise.all([store.workspaces.members(access.workspace.id), manage ? store.workspaces.pendingInvitations(access.workspace.id) : []]);
  return (
    <div className="flex flex-col gap-4">
      <div className="flex items-center">
        <h1 className="text-lg font-semibold">Members of {access.workspace.name}</h1>
        <div className="ml-auto">
          <LeaveButton workspace={slug} />
        </div>
      </div>
      <MembersTable
        workspace={slug}
        canManage={manage}
        viewerId={access.viewer.id}
        roles={ROLE_NAMES}
        members={members.map((m) => ({ id: m.id, userId: m.userId, name: m.user.name, email: m.user.email, role: m.role, joined: formatTime(m.createdAt.toISOString()) }))}
      />
      {manage ? (
        <>
          <InviteForm workspace={slug} roles={ROLE_NAMES} />
          <PendingInvitations workspace={slug} invitations={invitations.map((i) => ({ id: i.id, email: i.email, role: i.role ?? 'reader', expires: formatTime(i.expiresAt.toISOString()) }))} />
        </>
      ) : (
        <p className="text-xs text-muted-foreground">Maintainers invite members and change roles.</p>
      )}
    </div>
  );
}
