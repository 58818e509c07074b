import { datasetDeliveryGuarantee, formatDeliveryGuarantee } from '../ingest/delivery-guarantee';
import { brokerUrlOf } from '../ingest/mqtt-source-config';
import { findActivePollingSource } from '../odf';
import type { DatasetRepository } from '../store/dataset-repository';

/** One line per dataset, as the console and `sluice list` show it (plain strings, safe to serialise). */
export interface DatasetRow {
  name: string;
  /** The workspace's slug. */
  workspace: string;
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
    const source = findActivePollingSource(d.snapshot.metadata);
    const fetch = source?.fetch;
    return {
      name: d.name,
      workspace: d.workspace,
      broker: fetch?.kind === 'Mqtt' ? brokerUrlOf(fetch) : (fetch?.kind ?? '—'),
      topics: fetch?.kind === 'Mqtt' ? fetch.topics.map((t) => t.path) : [],
      merge: source?.merge.kind ?? '—',
      guarantee: formatDeliveryGuarantee(datasetDeliveryGuarantee(d.snapshot, d.sessionTopics)),
      rows: d.rows.toString(),
      watermark: d.watermark?.toISOString() ?? null,
      lastPull: d.lastPull ? { at: d.lastPull.startedAt.toISOString(), status: d.lastPull.status, error: d.lastPull.error } : null,
    };
  });
}
