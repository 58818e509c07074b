/**
 * What the ingest engine needs from a dataset's metadata events, with kamu's rules (spec 3.6 step 1).
 */
import type { AddPushSource, MetadataEvent, MqttQos, SetPollingSource, SetVocab } from './manifest-schema';
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
