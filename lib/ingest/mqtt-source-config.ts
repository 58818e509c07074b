import { SluiceError } from '../errors';
import {
  brokerUrlOf,
  datasetSource,
  effectiveReadSchema,
  effectiveVocab,
  findActivePollingSource,
  findActivePushSource,
  notPullableReason,
  pushSourceRefusal,
  qosNumber,
  resolveTemplate,
  TemplateInvalidPatternError,
  TemplateValueNotFoundError,
  type DataSchema,
  type DatasetSnapshot,
  type DatasetVocab,
  type FetchStepMqtt,
  type SetPollingSource,
} from '../odf';
import type { TopicSubscription } from './fetch/mqtt-session';
import { assertReaderConfig, ReadConfigError, type ReaderConfig } from './read/read-message';
import type { MergeStrategyConfig } from './merge/merge-strategy';

/** Everything a pull needs from a dataset's manifest, checked, with secrets resolved. */
export interface MqttSourceConfig {
  brokerUrl: string;
  username?: string;
  password?: string;
  topics: TopicSubscription[];
  read: ReaderConfig;
  /** Absent: the schema is inferred from the dataset's first messages (JSON payloads only). */
  readSchema?: DataSchema;
  merge: MergeStrategyConfig;
  vocab: DatasetVocab;
}

/**
 * The read schema the dataset's active source declares, when it is a source Sluice ingests (an
 * MQTT polling source or a push source, with no prepare or preprocess step: the read schema is
 * then the output's); undefined for any other source or a schema to be inferred. Throws, as a pull
 * would, for a read step it refuses.
 */
export function ingestedReadSchema(snapshot: DatasetSnapshot): DataSchema | undefined {
  const found = datasetSource(snapshot);
  if (found.kind === 'push') return pushSourceRefusal(snapshot) ? undefined : readStepConfig(snapshot.name, findActivePushSource(snapshot.metadata)!.read).readSchema;
  const pulled = pulledMqttSource(snapshot);
  return 'refusal' in pulled ? undefined : readStepConfig(snapshot.name, pulled.source.read).readSchema;
}

/** The dataset's active source and its fetch step when Sluice pulls it (MQTT, no prepare or preprocess step), else why it does not. */
function pulledMqttSource(snapshot: DatasetSnapshot): { source: SetPollingSource; fetch: FetchStepMqtt } | { refusal: string } {
  const found = datasetSource(snapshot);
  if (found.kind !== 'polling') return { refusal: notPullableReason(snapshot.name, found)! };
  const source = found.source;
  if (source.fetch.kind !== 'Mqtt') {
    return { refusal: `dataset "${snapshot.name}" fetches with ${source.fetch.kind}; Sluice pulls only MQTT sources (fetch kind Mqtt). The manifest is kept and exports unchanged.` };
  }
  if (source.prepare?.length || source.preprocess) return { refusal: `dataset "${snapshot.name}" uses ${source.prepare?.length ? 'prepare' : 'preprocess'} steps, which Sluice does not run yet` };
  return { source, fetch: source.fetch };
}

/** The broker URL of the dataset's active MQTT source, if it has one. */
export function sourceBrokerUrl(snapshot: DatasetSnapshot): string | undefined {
  const fetch = findActivePollingSource(snapshot.metadata)?.fetch;
  return fetch?.kind === 'Mqtt' ? brokerUrlOf(fetch) : undefined;
}

/**
 * The dataset's topic filters subscribed at QoS 0 (AtMostOnce): the broker keeps nothing for them
 * while no pull is connected, so pulls get only what arrives during them and retained values.
 */
export function atMostOnceTopics(snapshot: DatasetSnapshot): string[] {
  const fetch = findActivePollingSource(snapshot.metadata)?.fetch;
  return fetch?.kind === 'Mqtt' ? fetch.topics.filter((t) => qosNumber(t.qos) === 0).map((t) => t.path) : [];
}

/** A source's read step, checked for what Sluice's readers support, with its declared schema (if any). */
export function readStepConfig(datasetName: string, read: SetPollingSource['read']): { read: ReaderConfig; readSchema?: DataSchema } {
  try {
    assertReaderConfig(read);
  } catch (err) {
    if (err instanceof ReadConfigError) throw new SluiceError('SCHEMA_INVALID', err.message);
    throw err;
  }
  const readSchema = effectiveReadSchema(read);
  if (!readSchema?.fields.length && read.kind === 'Csv') {
    throw new SluiceError('SCHEMA_INVALID', `dataset "${datasetName}": Csv payloads need a read schema (read.schema or read.ddlSchema); their columns cannot be typed from the data`);
  }
  return { read, readSchema: readSchema?.fields.length ? readSchema : undefined };
}

export function mqttSourceConfig(snapshot: DatasetSnapshot, env: (name: string) => string | undefined): MqttSourceConfig {
  const pulled = pulledMqttSource(snapshot);
  if ('refusal' in pulled) throw new SluiceError('SOURCE_NOT_PULLABLE', pulled.refusal);
  const { source, fetch } = pulled;
  const { read, readSchema } = readStepConfig(snapshot.name, source.read);
  let password: string | undefined;
  try {
    password = fetch.password === undefined ? undefined : resolveTemplate(fetch.password, env);
  } catch (err) {
    if (err instanceof TemplateValueNotFoundError || err instanceof TemplateInvalidPatternError) {
      throw new SluiceError('TEMPLATE_UNRESOLVED', `fetch.password: ${err.message}`);
    }
    throw err;
  }
  return {
    brokerUrl: brokerUrlOf(fetch),
    username: fetch.username,
    password,
    topics: fetch.topics.map((t) => ({ path: t.path, qos: qosNumber(t.qos) })),
    read,
    readSchema,
    merge: source.merge as MergeStrategyConfig,
    vocab: effectiveVocab(snapshot.metadata),
  };
}
