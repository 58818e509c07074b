import { createMergeStrategy } from '../../lib/ingest/merge/create-merge-strategy';
import { mqttSourceConfig } from '../../lib/ingest/mqtt-source-config';
import { layoutFromReadSchema } from '../../lib/ingest/slice-layout';
import type { DatasetSnapshot } from '../../lib/odf';

/** The slice layout and merge strategy of a test manifest's MQTT source (it declares a read schema). */
export function mergeSetupOf(snapshot: DatasetSnapshot) {
  const source = mqttSourceConfig(snapshot, () => undefined);
  const layout = layoutFromReadSchema(source.readSchema!, source.vocab);
  const strategy = createMergeStrategy(source.merge, { fields: layout.mergeFields, vocab: source.vocab });
  return { layout, strategy };
}
