/** Console URLs, built in one place. */
export function workspacePath(workspace: string): string {
  return `/w/${encodeURIComponent(workspace)}`;
}

export function datasetPath(workspace: string, name: string, tab = ''): string {
  return `${workspacePath(workspace)}/datasets/${encodeURIComponent(name)}${tab}`;
}
