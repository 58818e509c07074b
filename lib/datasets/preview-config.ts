import type { ReaderConfig } from '../ingest/read/read-config';
import { assertReaderConfig, ReadConfigError } from '../ingest/read/read-config';
import type { MergeStrategyConfig } from '../ingest/merge/merge-strategy';
import { DEFAULT_PULL_OPTIONS } from '../ingest/pull-options';
import { effectiveReadSchema, effectiveVocab, findActivePollingSource, findActivePushSource, qosNumber, type DataSchema, type DatasetVocab } from '../odf';
import { RELAY_PATH } from '../relay/relay-access';
import type { Store } from '../store/open-store';
import { getDatasetOrThrow } from './dataset-layout';
import type { DatasetKey } from './dataset-key';
import type { SnapshotScope } from './snapshot-scope';

/**
 * What the browser's live preview needs to check payloads like a pull would. Never a password:
 * brokers that need credentials are reached through Sluice's relay, which adds them on the server.
 */
export interface PreviewConfig {
  /** Workspace slug and the dataset's name in it. */
  workspace: string;
  dataset: string;
  wsUrl: string | null;
  /** The relay on the console's own origin for this dataset (path and query). */
  relayPath: string;
  topics: { path: string; qos: 0 | 1 | 2 }[];
  needsPassword: boolean;
  read: ReaderConfig | null;
  /** Why payloads cannot be checked (no MQTT source, unusable read step), if so. */
  readProblem: string | null;
  readSchema: DataSchema | null;
  merge: MergeStrategyConfig | null;
  /** What a Snapshot pull's snapshot is (the dataset's setting). */
  snapshotScope: SnapshotScope;
  vocab: DatasetVocab;
  maxPayloadBytes: number;
  hasHistory: boolean;
  /**
   * A push dataset's inbox event stream (path on the console's origin): devices publish through
   * Sluice, so the preview shows what the inbox received instead of subscribing to a broker.
   */
  inboxPath: string | null;
}

export async function getPreviewConfig(store: Store, dataset: DatasetKey): Promise<PreviewConfig> {
  const d = await getDatasetOrThrow(store.datasets, dataset);
  const polling = findActivePollingSource(d.snapshot.metadata);
  const fetch = polling?.fetch.kind === 'Mqtt' ? polling.fetch : undefined;
  const push = fetch ? undefined : findActivePushSource(d.snapshot.metadata);
  // The source whose read and merge steps the preview applies: the MQTT pull's, or the push source's.
  const source = fetch ? polling : push;
  let read: ReaderConfig | null = null;
  let readProblem: string | null = source ? null : 'this dataset has no MQTT or push source';
  if (source) {
    try {
      assertReaderConfig(source.read);
      read = source.read;
    } catch (err) {
      if (!(err instanceof ReadConfigError)) throw err;
      readProblem = err.message;
    }
  }
  const declared = source ? effectiveReadSchema(source.read) : undefined;
  return {
    workspace: d.workspace,
    dataset: d.name,
    wsUrl: d.previewWsUrl,
    relayPath: `${RELAY_PATH}?workspace=${encodeURIComponent(d.workspace)}&dataset=${encodeURIComponent(d.name)}`,
    topics: fetch?.topics.map((t) => ({ path: t.path, qos: qosNumber(t.qos) })) ?? [],
    needsPassword: fetch?.password !== undefined,
    read,
    readProblem,
    readSchema: (declared?.fields.length ? declared : null) ?? d.inferredReadSchema,
    merge: (source?.merge as MergeStrategyConfig | undefined) ?? null,
    snapshotScope: d.snapshotScope,
    vocab: effectiveVocab(d.snapshot.metadata),
    maxPayloadBytes: DEFAULT_PULL_OPTIONS.maxPayloadBytes,
    hasHistory: d.rows > 0n,
    inboxPath: push ? `/api/w/${encodeURIComponent(d.workspace)}/datasets/${encodeURIComponent(d.name)}/inbox` : null,
  };
}
