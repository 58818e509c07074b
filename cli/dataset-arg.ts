import type { WorkspaceTarget } from '../lib/datasets/add-dataset';
import { accountRefused, DEFAULT_WORKSPACE, datasetKey, type DatasetKey } from '../lib/datasets/dataset-key';
import { SluiceError } from '../lib/errors';
import type { WorkspaceRepository } from '../lib/store/workspace-repository';

/**
 * How the CLI names datasets: `NAME` in the default workspace, or `WORKSPACE/NAME` (Kamu's
 * `account/name`). The text is resolved to a dataset key here, once; nothing below re-parses it.
 */
export async function resolveDatasetArg(workspaces: WorkspaceRepository, text: string): Promise<DatasetKey> {
  const slash = text.indexOf('/');
  const slug = slash < 0 ? DEFAULT_WORKSPACE : text.slice(0, slash);
  const workspace = await workspaceBySlug(workspaces, slug);
  return datasetKey(workspace.id, slash < 0 ? text : text.slice(slash + 1));
}

/** The inverse of resolveDatasetArg, for output: bare in the default workspace. */
export function formatDatasetArg(workspaceSlug: string, name: string): string {
  return workspaceSlug === DEFAULT_WORKSPACE ? name : `${workspaceSlug}/${name}`;
}

/**
 * Where `sluice add` puts a manifest: `--workspace` if given, else the manifest's own account
 * (`account/name`), else the default workspace. The operator may write anywhere, but a manifest
 * naming another account than `--workspace` is refused rather than silently moved.
 */
export function operatorWorkspaceFor(workspaces: WorkspaceRepository, explicit: string | undefined) {
  return async (account: string | undefined): Promise<WorkspaceTarget> => {
    if (explicit !== undefined && account !== undefined && account !== explicit) throw accountRefused(account, explicit, `--workspace is "${explicit}"`);
    return workspaceBySlug(workspaces, explicit ?? account ?? DEFAULT_WORKSPACE);
  };
}

async function workspaceBySlug(workspaces: WorkspaceRepository, slug: string): Promise<WorkspaceTarget> {
  const w = await workspaces.bySlug(slug);
  if (!w) throw new SluiceError('WORKSPACE_NOT_FOUND', `no workspace "${slug}" (workspaces are created in the console)`);
  return w;
}
