import { SluiceError } from '../errors';
import { assertBrokerAllowed } from '../ingest/fetch/broker-transport';
import { sourceBrokerUrl } from '../ingest/mqtt-source-config';
import { assertValidFilter } from '../ingest/fetch/topic-filter';
import { createMergeStrategy } from '../ingest/merge/create-merge-strategy';
import { MergeError, type MergeStrategyConfig } from '../ingest/merge/merge-strategy';
import { assertReaderConfig, ReadConfigError } from '../ingest/read/read-config';
import { assertSchemaCompatible, dataSchemaOf, layoutFromReadSchema } from '../ingest/slice-layout';
import { effectiveReadSchema, effectiveVocab, findActivePollingSource, type DataSchema, type DatasetSnapshot } from '../odf';

/**
 * What a pull would reject about a manifest's MQTT source, checked when a dataset is added (console
 * and CLI, in addDataset) and when the console saves an edit:
 * topic filters, the read step, the merge strategy's columns, and that the read schema only adds
 * columns to data already committed. Templates are not resolved here (secrets stay unread).
 */
export function checkMqttSource(snapshot: DatasetSnapshot, committed: DataSchema | null): void {
  const source = findActivePollingSource(snapshot.metadata);
  if (source?.fetch.kind !== 'Mqtt') return;
  for (const t of source.fetch.topics) assertValidFilter(t.path);
  try {
    assertReaderConfig(source.read);
  } catch (err) {
    if (err instanceof ReadConfigError) throw new SluiceError('SCHEMA_INVALID', `read: ${err.message}`);
    throw err;
  }
  const schema = effectiveReadSchema(source.read);
  if (!schema?.fields.length) return; // inferred from the first messages
  const vocab = effectiveVocab(snapshot.metadata);
  const layout = layoutFromReadSchema(schema, vocab);
  assertSchemaCompatible(committed, dataSchemaOf(layout), snapshot.name);
  try {
    createMergeStrategy(source.merge as MergeStrategyConfig, { fields: layout.mergeFields, vocab });
  } catch (err) {
    if (err instanceof MergeError) throw new SluiceError('SCHEMA_INVALID', `merge ${source.merge.kind}: ${err.message}`);
    throw err;
  }
}

/**
 * The broker policy's verdict on the manifest's broker, when the console saves it: the same
 * judgement a pull or the preview relay would make on connecting, given before anything is stored.
 */
export async function checkSourceBroker(snapshot: DatasetSnapshot): Promise<void> {
  const url = sourceBrokerUrl(snapshot);
  if (url !== undefined) await assertBrokerAllowed(url);
}
