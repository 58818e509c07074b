import { SluiceError } from '../errors';
import { effectiveVocab, findActivePushSource, pushSourceRefusal, type DatasetSnapshot } from '../odf';
import type { MergeStrategyConfig } from './merge/merge-strategy';
import { readStepConfig } from './mqtt-source-config';
import type { IngestSourceConfig } from './slice-writer';

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
