'use client';

import { Calculator } from 'lucide-react';
import { useState, useTransition } from 'react';
import { Button } from '@/app/_components/ui/button';
import type { PreviewMessage } from '@/lib/browser/mqtt-preview/preview-store';
import type { Row } from '@/lib/data/row';
import type { PreviewConfig } from '@/lib/datasets/preview-config';
import { latestPerTopic } from '@/lib/datasets/snapshot-scope';
import { previewMerge } from '@/lib/ingest/preview-merge';
import { layoutFromReadSchema } from '@/lib/ingest/slice-layout';
import { loadPreviewState } from '../actions';
import { RowsTable } from './rows-table';

interface Outcome {
  columns: string[];
  rows: Row[];
  known: Row[];
  readRows: number;
  quarantined: number;
}

/**
 * "What the next pull would commit": the buffered messages' rows through the dataset's merge
 * strategy against the committed state (e.g. Ledger drops keys already known). A Snapshot's
 * snapshot is every buffered record (the merge keeps each key's latest), or with the dataset's
 * `topic` scope each topic's latest message, as a pull takes them.
 */
export function NextPullView({ config, messages }: { config: PreviewConfig; messages: () => PreviewMessage[] }) {
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [pending, startTransition] = useTransition();
  const { readSchema, merge } = config;
  if (!readSchema || !merge) return <p className="text-xs text-muted-foreground">Needs a read schema and a merge strategy.</p>;

  const compute = () =>
    startTransition(async () => {
      setError(null);
      let taken = messages();
      if (merge.kind === 'Snapshot' && config.snapshotScope === 'topic') taken = latestPerTopic(taken);
      const rows = taken.flatMap((m) => (m.check.kind === 'rows' ? m.check.rows : []));
      try {
        const result = await previewMerge({
          merge,
          readSchema,
          vocab: config.vocab,
          rows,
          hasHistory: config.hasHistory,
          loadState: async (keys) => {
            const r = await loadPreviewState({ workspace: config.workspace, dataset: config.dataset, keys });
            if (!r.ok) throw new Error(r.message);
            return new Map(r.data);
          },
        });
        setOutcome({ ...result, readRows: rows.length, quarantined: taken.filter((m) => m.check.kind === 'quarantine').length });
      } catch (err) {
        setError((err as Error).message);
      }
    });

  const layout = layoutFromReadSchema(readSchema, config.vocab);
  return (
    <div className="flex flex-col gap-2 text-xs">
      <div className="flex items-center gap-2">
        <Button size="sm" variant="outline" onClick={compute} disabled={pending}>
          <Calculator /> Compute from the buffered messages
        </Button>
        {outcome ? (
          <span data-testid="next-pull-summary">
            {outcome.rows.length} {outcome.rows.length === 1 ? 'row' : 'rows'} would be committed from {outcome.readRows} read · {outcome.quarantined} quarantined
            {outcome.known.length ? ` · ${outcome.known.length} already known` : ''}
          </span>
        ) : null}
      </div>
      {error ? <p className="text-destructive">{error}</p> : null}
      {outcome && outcome.rows.length ? <RowsTable fields={layout.mergeFields} rows={outcome.rows.slice(0, 500)} opColumn={outcome.columns[0]} testId="next-pull-rows" /> : null}
      {outcome && outcome.known.length ? (
        <>
          <p className="text-muted-foreground">Already known — the committed data holds these keys, so Ledger drops them:</p>
          <RowsTable fields={layout.mergeFields} rows={outcome.known.slice(0, 500)} testId="next-pull-known" />
        </>
      ) : null}
    </div>
  );
}
