import { brokerUrlOf } from '../odf/mqtt-source';
import { describeDataType } from '../odf/describe-data-type';
import { datasetSource, effectiveReadSchema, findActivePollingSource, notPullableReason, qosNumber } from '../odf';
import type { Store } from '../store/open-store';
import { getDatasetOrThrow } from './dataset-layout';
import type { DatasetKey } from './dataset-key';

/** What a dataset's overview shows (plain, serialisable values). */
export interface DatasetOverview {
  id: string;
  name: string;
  workspace: string;
  kind: string;
  headHash: string;
  headSequence: number;
  rows: string;
  slices: number;
  pendingQuarantine: number;
  watermark: string | null;
  createdAt: string;
  source: {
    fetchKind: string;
    broker: string | null;
    username: string | null;
    topics: { path: string; qos: number }[];
    readKind: string;
    mergeKind: string;
    primaryKey: string[];
  } | null;
  /** Why the dataset is not pulled (a push source, a derivative transform, no source), when it is not. */
  notPulled: string | null;
  /** Declared read schema, else the one inferred from the first messages. */
  readSchema: { origin: 'declared' | 'inferred'; fields: { name: string; type: string }[] } | null;
  dataSchema: { name: string; type: string }[] | null;
  previewWsUrl: string | null;
}

export async function getDatasetOverview(store: Store, dataset: DatasetKey): Promise<DatasetOverview> {
  const d = await getDatasetOrThrow(store.datasets, dataset);
  const [slices, pendingQuarantine] = await Promise.all([store.datasets.countSlices(d.id), store.datasets.countPendingQuarantine(d.id)]);
  const source = findActivePollingSource(d.snapshot.metadata);
  const declared = source && effectiveReadSchema(source.read);
  const readSchema = declared ?? d.inferredReadSchema;
  const fields = (s: { fields: { name: string; type: Parameters<typeof describeDataType>[0] }[] }) =>
    s.fields.map((f) => ({ name: f.name, type: describeDataType(f.type) }));
  const merge = source?.merge as { kind: string; primaryKey?: string[] } | undefined;
  return {
    id: d.id,
    name: d.name,
    workspace: d.workspace,
    kind: d.snapshot.kind,
    headHash: d.headHash,
    headSequence: d.headSequence,
    rows: d.rows.toString(),
    slices,
    pendingQuarantine,
    watermark: d.watermark?.toISOString() ?? null,
    createdAt: d.createdAt.toISOString(),
    source: source
      ? {
          fetchKind: source.fetch.kind,
          broker: source.fetch.kind === 'Mqtt' ? brokerUrlOf(source.fetch) : null,
          username: source.fetch.kind === 'Mqtt' ? (source.fetch.username ?? null) : null,
          topics: source.fetch.kind === 'Mqtt' ? source.fetch.topics.map((t) => ({ path: t.path, qos: qosNumber(t.qos) })) : [],
          readKind: source.read.kind,
          mergeKind: source.merge.kind,
          primaryKey: merge?.primaryKey ?? [],
        }
      : null,
    notPulled: notPullableReason(d.name, datasetSource(d.snapshot)) ?? null,
    readSchema: readSchema ? { origin: declared ? 'declared' : 'inferred', fields: fields(readSchema) } : null,
    dataSchema: d.dataSchema ? fields(d.dataSchema) : null,
    previewWsUrl: d.previewWsUrl,
  };
}
