import type { Completion, CompletionSource } from '@codemirror/autocomplete';

export interface CompletableTable {
  name: string;
  columns: readonly string[];
}

const PLAIN_IDENT = /^[a-z_][a-z0-9_]*$/;
const quoted = (id: string) => (PLAIN_IDENT.test(id) ? id : `"${id.replaceAll('"', '""')}"`);

/**
 * Completes dataset names (plain and `__changelog`) and their column names in SQL. Dataset names
 * hold dots, which CodeMirror's schema completion reads as schema.table, so names are offered
 * whole and quoted where SQL needs quotes; typing inside quotes completes as well.
 */
export function datasetCompletionSource(tables: readonly CompletableTable[]): CompletionSource {
  const columns = new Map<string, string[]>();
  for (const t of tables) for (const c of t.columns) columns.set(c, [...(columns.get(c) ?? []), t.name]);
  const options: Completion[] = [
    ...tables.flatMap((t) => [
      { label: quoted(t.name), type: 'class', detail: 'dataset', boost: 2 },
      { label: quoted(`${t.name}__changelog`), type: 'class', detail: 'every row, system columns' },
    ]),
    ...[...columns].map(([c, owners]) => ({ label: quoted(c), type: 'property', detail: owners.length > 2 ? `${owners.length} datasets` : owners.join(', ') })),
  ];
  return (ctx) => {
    const word = ctx.matchBefore(/"?[\w.-]*$/);
    if (!word || (word.from === word.to && !ctx.explicit)) return null;
    return { from: word.from, options, validFor: /^"?[\w.-]*"?$/ };
  };
}
