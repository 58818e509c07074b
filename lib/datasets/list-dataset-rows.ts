import { datasetDeliveryGuarantee, formatDeliveryGuarantee } from '../ingest/delivery-guarantee';
import { brokerUrlOf } from '../odf/mqtt-source';
import { datasetSource, describeDatasetKind, type DatasetSource } from '../odf/dataset-source';
import type { SnapshotScope } from './snapshot-scope';
import type { DatasetRepository } from '../store/dataset-repository';

/** One line per dataset, as the console and `sluice list` show it (plain strings, safe to serialise). */
export interface DatasetRow {
  name: string;
  /** The workspace's slug. */
  workspace: string;
  /** `root, polling`, `root, push`, `derivative` or `root, no source`. */
  kind: string;
  /** The polling source's broker (or fetch kind), the push sources' names, or a transform's inputs. */
  broker: string;
  topics: string[];
  merge: string;
  /** The delivery guarantee the broker's grants and the merge give (see delivery-guarantee.ts). */
  guarantee: string;
  rows: string;
  watermark: string | null;
  lastPull: { at: string; status: string; error: string | null } | null;
}

/** Datasets of one workspace (by id), or of all. */
export async function listDatasetRows(datasets: DatasetRepository, workspaceId?: string): Promise<DatasetRow[]> {
  return (await datasets.list(workspaceId)).map((d) => {
    const source = datasetSource(d.snapshot);
    const fetch = source.kind === 'polling' ? source.source.fetch : undefined;
    return {
      name: d.name,
      workspace: d.workspace,
      kind: describeDatasetKind(source),
      broker: sourceColumn(source),
      topics: fetch?.kind === 'Mqtt' ? fetch.topics.map((t) => t.path) : [],
      merge: mergeColumn(source, d.snapshotScope),
      guarantee: formatDeliveryGuarantee(datasetDeliveryGuarantee(d.snapshot, d.sessionTopics)),
      rows: d.rows.toString(),
      watermark: d.watermark?.toISOString() ?? null,
      lastPull: d.lastPull ? { at: d.lastPull.startedAt.toISOString(), status: d.lastPull.status, error: d.lastPull.error } : null,
    };
  });
}

function sourceColumn(source: DatasetSource): string {
  switch (source.kind) {
    case 'polling':
      return source.source.fetch.kind === 'Mqtt' ? brokerUrlOf(source.source.fetch) : source.source.fetch.kind;
    case 'push':
      return `push: ${source.sources.map((s) => s.sourceName).join(', ')}`;
    case 'derivative':
      return `from: ${source.transform?.inputs.map((i) => i.datasetRef).join(', ') || '—'}`;
    case 'none':
      return '—';
  }
}

/** The source's merge strategy (a `topic`-scoped Snapshot says so), or the transform's engine. */
function mergeColumn(source: DatasetSource, scope: SnapshotScope): string {
  if (source.kind === 'derivative') return source.transform ? `transform (${source.transform.transform.engine})` : '—';
  if (source.kind === 'none') return '—';
  const kind = source.kind === 'polling' ? source.source.merge.kind : source.sources[0].merge.kind;
  return kind === 'Snapshot' && scope === 'topic' ? 'Snapshot (per topic)' : kind;
}
