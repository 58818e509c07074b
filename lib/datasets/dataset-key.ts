import { SluiceError } from '../errors';
import { DATASET_NAME_PATTERN } from '../odf/manifest-schema';

/** The workspace that bare dataset names (`sluice pull demo.temperature`) refer to: its slug and its id. */
export const DEFAULT_WORKSPACE = 'default';
export const DEFAULT_WORKSPACE_ID = 'default';

declare const datasetNameBrand: unique symbol;
/** A string that passed ODF's `DatasetName` rule (hostname-like, never a `/`). */
export type DatasetName = string & { readonly [datasetNameBrand]: true };

/**
 * A dataset's one identity, from the guard down to the store: the id of the workspace the guard
 * checked, and the dataset's name within it. Nothing below the guard re-parses a name into a
 * workspace, so a name can never reach another workspace's dataset.
 */
export interface DatasetKey {
  readonly workspaceId: string;
  readonly name: DatasetName;
}

export function isDatasetName(text: string): text is DatasetName {
  return text.length <= 255 && DATASET_NAME_PATTERN.test(text);
}

/**
 * `text` as a dataset name, or DATASET_NOT_FOUND: a name that breaks the rule (a `/`, spaces, …)
 * names no dataset, so a lookup answers "not found" as for any other unknown name.
 */
export function datasetNameOrNotFound(text: string): DatasetName {
  if (!isDatasetName(text)) throw new SluiceError('DATASET_NOT_FOUND', `no dataset named "${text.slice(0, 100)}" (a dataset name is letters, digits, "-" and ".", never "/")`);
  return text;
}

export function datasetKey(workspaceId: string, name: string): DatasetKey {
  return { workspaceId, name: datasetNameOrNotFound(name) };
}

/** The key of a dataset in the default workspace (the demo's, benchmarks' and tests'). */
export function defaultWorkspaceKey(name: string): DatasetKey {
  return datasetKey(DEFAULT_WORKSPACE_ID, name);
}

/** The refusal when a manifest's `account/name` points at a workspace the caller may not add to. */
export function accountRefused(account: string, target: string, why = `it is being added to workspace "${target}"`): SluiceError {
  return new SluiceError('FORBIDDEN', `the manifest's name places the dataset in account "${account}", but ${why}; remove "${account}/" from the name or add it there`);
}
