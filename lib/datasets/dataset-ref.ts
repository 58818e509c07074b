import { SluiceError } from '../errors';

/** The workspace that bare dataset names (`sluice pull demo.temperature`) refer to. */
export const DEFAULT_WORKSPACE = 'default';

/** A dataset's address: `workspace/name`, like Kamu's `account/name`. */
export interface DatasetRef {
  workspace: string;
  name: string;
}

/** "ws/name" or a bare "name" (the default workspace). */
export function parseDatasetRef(ref: string): DatasetRef {
  const slash = ref.indexOf('/');
  if (slash < 0) return { workspace: DEFAULT_WORKSPACE, name: ref };
  const workspace = ref.slice(0, slash);
  const name = ref.slice(slash + 1);
  if (!workspace || !name || name.includes('/')) throw new SluiceError('INVALID_INPUT', `"${ref}" is not a dataset reference (write NAME or WORKSPACE/NAME)`);
  return { workspace, name };
}

/** The shortest text that parses back to `r`: bare in the default workspace. */
export function formatDatasetRef(r: DatasetRef): string {
  return r.workspace === DEFAULT_WORKSPACE ? r.name : `${r.workspace}/${r.name}`;
}
