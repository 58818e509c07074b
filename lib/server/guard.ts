import 'server-only';
import { headers } from 'next/headers';
import { cache } from 'react';
import { requireMemberAccess } from '../auth/member-access';
import type { Permission, Role } from '../auth/roles';
import { datasetKey, type DatasetKey } from '../datasets/dataset-key';
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

/**
 * The signed-in account of this request, or null. Looked up once per request: the root layout,
 * the workspace and dataset layouts and the page all ask.
 */
export const getViewer = cache(async (): Promise<Viewer | null> => {
  const session = await (await getAuth()).api.getSession({ headers: await headers() });
  return session ? { id: session.user.id, name: session.user.name, email: session.user.email } : null;
});

/** The signed-in account, or UNAUTHENTICATED. */
export async function requireViewer(): Promise<Viewer> {
  const viewer = await getViewer();
  if (!viewer) throw new SluiceError('UNAUTHENTICATED', 'sign in to continue');
  return viewer;
}

/**
 * The one guard every page load, server action and route handler goes through: a signed-in
 * member of the workspace whose role allows `permission` (see requireMemberAccess).
 *
 * Contract: `slug` and `name` are route params as Next.js gives them, decoded once; nobody decodes
 * them again (a second decode turned `%252F` into `/` and a lone `%` into a 500). Slugs and
 * dataset names are URL-safe by their rules, so a param that still holds `%` names nothing.
 */
export async function requireWorkspace(slug: string, permission: Permission): Promise<WorkspaceAccess> {
  const viewer = await requireViewer();
  return { viewer, ...(await requireMemberAccess((await getStore()).workspaces, viewer.id, slug, permission)) };
}

/**
 * requireWorkspace, plus the dataset's key for lib/ calls: the workspace just checked and the
 * name, which must be a dataset name (no `/`), so every lookup after the guard stays in that
 * workspace. The dataset must exist (DATASET_NOT_FOUND otherwise), so a handler that streams its
 * answer never starts one for nothing.
 */
export async function requireDataset(slug: string, name: string, permission: Permission): Promise<WorkspaceAccess & { dataset: DatasetKey }> {
  const access = await requireWorkspace(slug, permission);
  const dataset = datasetKey(access.workspace.id, name);
  if (!(await (await getStore()).datasets.find(dataset))) throw new SluiceError('DATASET_NOT_FOUND', `no dataset "${dataset.name}" in workspace ${slug}`);
  return { ...access, dataset };
}
