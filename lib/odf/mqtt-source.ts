/**
 * What the ingest engine needs from a dataset's metadata events, with kamu's rules (spec 3.6 step 1).
 */
import type { AddPushSource, DatasetSnapshot, FetchStepMqtt, MetadataEvent, MqttQos, SetPollingSource, SetVocab } from './manifest-schema';
import { DEFAULT_VOCAB, type DatasetVocab } from './vocab';

/** The active polling source: the last SetPollingSource, unless a DisablePollingSource comes after it. */
export function findActivePollingSource(metadata: readonly MetadataEvent[]): SetPollingSource | undefined {
  for (let i = metadata.length - 1; i >= 0; i--) {
    const event = metadata[i];
    if (event.kind === 'DisablePollingSource') return undefined;
    if (event.kind === 'SetPollingSource') return event;
  }
  return undefined;
}

/** The system column names: the last SetVocab (each one replaces the previous) over the ODF defaults. */
export function effectiveVocab(metadata: readonly MetadataEvent[]): DatasetVocab {
  const setVocab = metadata.findLast((event): event is SetVocab => event.kind === 'SetVocab');
  if (!setVocab) return { ...DEFAULT_VOCAB };
  return {
    offsetColumn: setVocab.offsetColumn ?? DEFAULT_VOCAB.offsetColumn,
    operationTypeColumn: setVocab.operationTypeColumn ?? DEFAULT_VOCAB.operationTypeColumn,
    systemTimeColumn: setVocab.systemTimeColumn ?? DEFAULT_VOCAB.systemTimeColumn,
    eventTimeColumn: setVocab.eventTimeColumn ?? DEFAULT_VOCAB.eventTimeColumn,
  };
}

const QOS_NUMBER = { AtMostOnce: 0, AtLeastOnce: 1, ExactlyOnce: 2 } as const satisfies Record<MqttQos, number>;

/** MQTT QoS level of a subscription; an absent `qos` means AtMostOnce (0), as in kamu. */
export function qosNumber(qos?: MqttQos): 0 | 1 | 2 {
  return QOS_NUMBER[qos ?? 'AtMostOnce'];
}

/**
 * The push source devices publish to: the last AddPushSource not disabled by a later
 * DisablePushSource of the same `sourceName` (Kamu's push ingestion).
 */
export function findActivePushSource(metadata: readonly MetadataEvent[]): AddPushSource | undefined {
  const disabled = new Set<string>();
  for (let i = metadata.length - 1; i >= 0; i--) {
    const event = metadata[i];
    if (event.kind === 'DisablePushSource') disabled.add(event.sourceName);
    if (event.kind === 'AddPushSource' && !disabled.has(event.sourceName)) return event;
  }
  return undefined;
}

/**
 * Sluice extension: `host` may be a URL (`mqtts://…`, `ws://host/path`, `wss://…`) to choose TLS or
 * WebSockets; a bare host name means plain MQTT over TCP, as in Kamu.
 */
export function brokerUrlOf(fetch: Pick<FetchStepMqtt, 'host' | 'port'>): string {
  if (/^[a-z]+:\/\//i.test(fetch.host)) {
    const url = new URL(fetch.host);
    if (!url.port) url.port = String(fetch.port);
    return url.toString().replace(/\/$/, '');
  }
  const host = fetch.host.includes(':') ? `[${fetch.host}]` : fetch.host;
  return `mqtt://${host}:${fetch.port}`;
}

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
