import 'server-only';
import { headers } from 'next/headers';
import { can, type Permission, type Role } from '../auth/roles';
import { formatDatasetRef } from '../datasets/dataset-ref';
import { SluiceError } from '../errors';
import { getAuth } from './auth';
import { getStore } from './store';

export interface Viewer {
  id: string;
  name: string;
  email: string;
}

export interface WorkspaceAccess {
  viewer: Viewer;
  workspace: { id: string; slug: string; name: string };
  role: Role;
}

/** The signed-in account of this request, or null. */
export async function getViewer(): Promise<Viewer | null> {
  const session = await (await getAuth()).api.getSession({ headers: await headers() });
  return session ? { id: session.user.id, name: session.user.name, email: session.user.email } : null;
}

/** The signed-in account, or UNAUTHENTICATED. */
export async function requireViewer(): Promise<Viewer> {
  const viewer = await getViewer();
  if (!viewer) throw new SluiceError('UNAUTHENTICATED', 'sign in to continue');
  return viewer;
}

/**
 * The one guard every page load, server action and route handler goes through: a signed-in
 * member of the workspace whose role allows `permission`. A workspace the account is not a member
 * of is reported as not found, so its existence does not leak.
 */
export async function requireWorkspace(slug: string, permission: Permission): Promise<WorkspaceAccess> {
  const viewer = await requireViewer();
  const member = await (await getStore()).workspaces.membership(viewer.id, slug);
  if (!member) throw new SluiceError('WORKSPACE_NOT_FOUND', `no workspace "${slug}" that you are a member of`);
  if (!can(member.role, permission)) {
    const [resource, action] = Object.entries(permission)[0];
    throw new SluiceError('FORBIDDEN', `your role in ${slug} (${member.role}) does not allow ${resource} ${action}`);
  }
  return { viewer, workspace: { id: member.id, slug: member.slug, name: member.name }, role: member.role as Role };
}

/** requireWorkspace, plus the dataset's reference (`workspace/name`) for lib/ calls. */
export async function requireDataset(slug: string, name: string, permission: Permission): Promise<WorkspaceAccess & { ref: string }> {
  const access = await requireWorkspace(slug, permission);
  return { ...access, ref: formatDatasetRef({ workspace: slug, name }) };
}
