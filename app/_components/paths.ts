/** Console URLs, built in one place. */
export function workspacePath(workspace: string): string {
  return `/w/${encodeURIComponent(workspace)}`;
}

export function datasetPath(workspace: string, name: string, tab = ''): string {
  return `${workspacePath(workspace)}/datasets/${encodeURIComponent(name)}${tab}`;
}

/** The query page; with a saved query's id, the link that opens it. */
export function queryPath(workspace: string, savedQueryId?: string): string {
  return `${workspacePath(workspace)}/query${savedQueryId ? `?q=${encodeURIComponent(savedQueryId)}` : ''}`;
}

/** The query page opening a dataset's suggested first query (which runs at once). */
export function queryDatasetPath(workspace: string, dataset: string): string {
  return `${workspacePath(workspace)}/query?dataset=${encodeURIComponent(dataset)}`;
}
