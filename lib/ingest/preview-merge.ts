import type { Row } from '../data/row';
import type { DataSchema } from '../odf/data-type';
import type { DatasetVocab } from '../odf/vocab';
import { priorStateFrom } from './key-state-codec';
import { createMergeStrategy } from './merge/create-merge-strategy';
import type { MergeStrategyConfig } from './merge/merge-strategy';
import { joinKeyOf } from './merge/merge-support';
import type { JsonRow } from './ports';
import { layoutFromReadSchema, withEventTimeColumn } from './slice-layout';

export interface PreviewMergeArgs {
  merge: MergeStrategyConfig;
  readSchema: DataSchema;
  vocab: DatasetVocab;
  /** Rows as the readers produced them, in arrival order. */
  rows: Row[];
  hasHistory: boolean;
  /** The committed key state of some keys (or all of it), as the store keeps it. */
  loadState(keys: string[] | 'all'): Promise<Map<string, JsonRow | null>>;
}

/**
 * What a pull would commit from these rows: the dataset's merge strategy run over them against the
 * committed state, exactly as the engine runs it (e.g. Ledger drops keys already known). Event
 * times left null are filled with the pull's time when it commits.
 */
export async function previewMerge(a: PreviewMergeArgs): Promise<{ columns: string[]; rows: Row[]; known: Row[] }> {
  const layout = layoutFromReadSchema(a.readSchema, a.vocab);
  const strategy = createMergeStrategy(a.merge, { fields: layout.mergeFields, vocab: a.vocab });
  const rows = a.rows.map((r) => withEventTimeColumn(r, layout));
  const need = strategy.stateNeed(rows);
  const stored = need.kind === 'none' ? new Map<string, JsonRow | null>() : await a.loadState(need.kind === 'all' ? 'all' : need.keys);
  const merged = strategy.merge(priorStateFrom(stored, layout, a.hasHistory), rows);
  // Ledger drops rows whose key it has seen: those are shown as already known.
  const known = strategy.kind === 'Ledger' ? rows.filter((r) => stored.has(joinKeyOf(strategy.primaryKey, r) ?? '')) : [];
  return { columns: [strategy.operationTypeColumn, ...layout.mergeFields.map((f) => f.name)], rows: merged, known };
}
