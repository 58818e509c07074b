import { exampleTopic } from '../ingest/fetch/topic-filter';
import { isPushDataset } from '../odf/mqtt-source';
import { defaultPushTopic } from '../devices/push-topic';
import type { Store } from '../store/open-store';
import type { DatasetKey } from './dataset-key';

/** How devices publish to a push dataset, for its page (never any secret). */
export interface PushConnection {
  topicFilter: string;
  exampleTopic: string;
  /** Device messages stored and not yet folded into the chain. */
  backlog: number;
}

/** The push dataset's topic filter and inbox backlog; undefined for a dataset without a push source. */
export async function getPushConnection(store: Pick<Store, 'datasets' | 'devices'>, key: DatasetKey): Promise<PushConnection | undefined> {
  const d = await store.datasets.find(key);
  if (!d || !isPushDataset(d.snapshot)) return undefined;
  const target = (await store.devices.pushTargets(key.workspaceId)).find((t) => t.datasetId === d.id);
  const topicFilter = target?.topicFilter ?? defaultPushTopic(key.name);
  return { topicFilter, exampleTopic: exampleTopic(topicFilter), backlog: await store.devices.inboxBacklog(d.id) };
}
