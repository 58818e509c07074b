import { changelogView } from './dataset-views';

/**
 * The identifiers a SQL text names, lower-cased (DuckDB matches identifiers case-insensitively,
 * quoted or not): double-quoted ones whole (dots and all), unquoted words. String literals
 * ('…', $$…$$) and comments (-- …, /* … *\/) name nothing.
 */
export function sqlIdentifiers(sql: string): Set<string> {
  const names = new Set<string>();
  const token = /--[^\n]*|\/\*[\s\S]*?(?:\*\/|$)|'(?:[^']|'')*'?|\$([A-Za-z_]*)\$[\s\S]*?(?:\$\1\$|$)|"((?:[^"]|"")*)"?|([A-Za-z_][A-Za-z0-9_$]*)/g;
  for (const [, , quoted, word] of sql.matchAll(token)) {
    const name = quoted !== undefined ? quoted.replaceAll('""', '"') : word;
    if (name !== undefined) names.add(name.toLowerCase());
  }
  return names;
}

/**
 * The datasets a query names, as `"name"` or `"name__changelog"` (or unquoted where the name is a
 * plain word): only those are loaded into the browser. A name inside another ("demo.temp" in
 * "demo.temperature"), a string or a comment does not count.
 */
export function datasetsNamedIn<T extends { name: string }>(sql: string, datasets: readonly T[]): T[] {
  const names = sqlIdentifiers(sql);
  return datasets.filter((d) => names.has(d.name.toLowerCase()) || names.has(changelogView(d.name).toLowerCase()));
}
