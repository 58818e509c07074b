import { SluiceError } from '../errors';
import { effectiveVocab, findActivePushSource, type DatasetSnapshot } from '../odf';
import type { MergeStrategyConfig } from './merge/merge-strategy';
import { readStepConfig } from './mqtt-source-config';
import type { IngestSourceConfig } from './slice-writer';

/** Whether devices publish to this dataset (it has an active AddPushSource). */
export function isPushDataset(snapshot: DatasetSnapshot): boolean {
  return findActivePushSource(snapshot.metadata) !== undefined;
}

/**
 * Why what devices push to this dataset could never be folded (undefined: it can): no active push
 * source, or one with preprocess steps, which Sluice does not run yet. The one check for the device
 * endpoint's targets, HTTP push and the fold: a message the fold cannot take is refused on
 * arrival, never acknowledged and left in the inbox for good.
 */
export function pushSourceRefusal(snapshot: DatasetSnapshot): string | undefined {
  const source = findActivePushSource(snapshot.metadata);
  if (!source) return `dataset "${snapshot.name}" has no active push source (AddPushSource)`;
  if (source.preprocess) return `dataset "${snapshot.name}" uses preprocess steps, which Sluice does not run yet`;
  return undefined;
}

/**
 * What folding a push dataset's inbox needs from its manifest (Kamu's AddPushSource: read,
 * preprocess, merge). Every inbox message is wanted: the device endpoint already routed it by the
 * dataset's topic filter when it arrived, and a filter changed since must not drop stored messages.
 */
export function pushSourceConfig(snapshot: DatasetSnapshot): IngestSourceConfig {
  const why = pushSourceRefusal(snapshot);
  if (why) throw new SluiceError('SOURCE_NOT_PULLABLE', why);
  const source = findActivePushSource(snapshot.metadata)!;
  return {
    ...readStepConfig(snapshot.name, source.read),
    topics: [{ path: '#', qos: 0 }],
    merge: source.merge as MergeStrategyConfig,
    vocab: effectiveVocab(snapshot.metadata),
  };
}
