/** Where in the SQL text an engine error points (1-based), if it says. */
export interface SqlErrorPosition {
  line: number;
  column: number;
}

/**
 * Reads DuckDB's position marker from an error message: a `LINE n: <snippet>` line followed by a
 * caret under the offending token. Long lines are shown as a window (`...` at either end), so the
 * column is found by locating the snippet in the query's own line.
 */
export function sqlErrorPosition(message: string, sql: string): SqlErrorPosition | undefined {
  const lines = message.split('\n');
  const at = lines.findIndex((l) => /^LINE \d+: /.test(l));
  if (at < 0 || !lines[at + 1]?.includes('^')) return undefined;
  const [, lineNo, snippet] = /^LINE (\d+): (.*)$/.exec(lines[at])!;
  const prefix = lines[at].length - snippet.length;
  const caret = lines[at + 1].indexOf('^') - prefix;
  const line = Number(lineNo);
  const source = sql.split('\n')[line - 1];
  if (source === undefined) return undefined;
  const lead = snippet.startsWith('...') ? 3 : 0;
  const shown = snippet.slice(lead).replace(/\.\.\.$/, '');
  const start = source.indexOf(shown);
  return { line, column: (start < 0 ? 0 : start) + Math.max(0, caret - lead) + 1 };
}
