import { SluiceError } from '../errors';
import type { WorkspaceRepository } from '../store/workspace-repository';
import { can, type Permission, type Role } from './roles';

export interface MemberAccess {
  workspace: { id: string; slug: string; name: string };
  role: Role;
}

/**
 * The role check behind every entry point (pages, actions, routes, the MQTT relay): the account
 * must be a member of the workspace, and its role must allow `permission`. A workspace the account
 * is not a member of is reported as not found, so its existence does not leak.
 */
export async function requireMemberAccess(workspaces: WorkspaceRepository, userId: string, slug: string, permission: Permission): Promise<MemberAccess> {
  const member = await workspaces.membership(userId, slug);
  if (!member) throw new SluiceError('WORKSPACE_NOT_FOUND', `no workspace "${slug}" that you are a member of`);
  if (!can(member.role, permission)) {
    const [resource, action] = Object.entries(permission)[0];
    throw new SluiceError('FORBIDDEN', `your role in ${slug} (${member.role}) does not allow ${resource} ${action}`);
  }
  return { workspace: { id: member.id, slug: member.slug, name: member.name }, role: member.role as Role };
}
