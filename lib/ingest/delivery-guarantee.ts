import type { DatasetSnapshot } from '../odf/manifest-schema';
import { findActivePollingSource, qosNumber } from '../odf/mqtt-source';
import type { QosDowngrade, QosLevel, TopicSubscription } from './fetch/mqtt-session';
import type { MergeStrategyKind } from './merge/merge-strategy';

/**
 * What a dataset can promise about each message its broker accepted, given the QoS the broker
 * granted (not only the one the manifest asks for) and the merge strategy.
 *
 * Why the merge matters: a QoS 1 message whose commit landed but whose PUBACK did not (a crash, a
 * lost connection) is redelivered. Merges that key their rows (Ledger, Snapshot, UpsertStream) turn
 * that redelivery into no change; Append and ChangelogStream would write it twice. QoS 2 is
 * recognised by its packet identifier until the broker's PUBREL, so nothing is written twice.
 */
export type DeliveryLevel = 'exactly-once' | 'at-least-once' | 'at-most-once';

export interface DeliveryGuarantee {
  level: DeliveryLevel;
  /** One sentence on why, naming the topic filter that sets the level. */
  reason: string;
  /**
   * False until a pull subscribed and recorded what the broker granted: the level then assumes the
   * broker grants what the manifest asks.
   */
  confirmed: boolean;
}

/** Merges for which a redelivered message changes nothing. */
const IDEMPOTENT_MERGES: ReadonlySet<MergeStrategyKind> = new Set(['Ledger', 'Snapshot', 'UpsertStream']);

const RANK: Record<DeliveryLevel, number> = { 'at-most-once': 0, 'at-least-once': 1, 'exactly-once': 2 };

/** The level one filter gives at a QoS, with the reason in words. */
function levelAt(qos: QosLevel, merge: MergeStrategyKind): { level: DeliveryLevel; meaning: string } {
  if (qos === 0) {
    return {
      level: 'at-most-once',
      meaning: 'the broker keeps nothing for the dataset while no pull is connected, and a crash loses what was received but not yet committed',
    };
  }
  if (qos === 2) return { level: 'exactly-once', meaning: 'a message redelivered after a crash is recognised by its packet identifier and not written twice' };
  return IDEMPOTENT_MERGES.has(merge)
    ? { level: 'exactly-once', meaning: `a message redelivered after a crash is dropped by the ${merge} merge keys, so nothing is written twice` }
    : { level: 'at-least-once', meaning: `after a crash an ${merge} dataset may receive a message twice` };
}

/** The sentence a pull, `sluice pull` and the console show for a filter the broker downgraded. */
export function describeQosDowngrade(d: QosDowngrade, merge: MergeStrategyKind): string {
  return `broker granted QoS ${d.granted} for topic "${d.path}" (asked ${d.asked}): ${levelAt(d.granted, merge).meaning}`;
}

/**
 * The dataset's guarantee: that of its weakest filter. `asked` are the manifest's filters;
 * `session` the filters the broker session held after the last pull, with their grants.
 */
export function deliveryGuarantee(asked: TopicSubscription[], session: TopicSubscription[] | null, merge: MergeStrategyKind): DeliveryGuarantee | undefined {
  let weakest: { level: DeliveryLevel; reason: string } | undefined;
  let confirmed = asked.length > 0;
  for (const t of asked) {
    const held = session?.find((s) => s.path === t.path && s.qos === t.qos);
    const granted = held?.granted;
    if (granted === undefined) confirmed = false;
    const qos = granted ?? t.qos;
    const { level, meaning } = levelAt(qos, merge);
    const reason = granted !== undefined && granted < t.qos ? describeQosDowngrade({ path: t.path, asked: t.qos, granted }, merge) : `"${t.path}" at QoS ${qos}: ${meaning}`;
    if (!weakest || RANK[level] < RANK[weakest.level]) weakest = { level, reason };
  }
  return weakest && { ...weakest, confirmed };
}

/** The guarantee of a dataset's active MQTT source; undefined for a dataset without one. */
export function datasetDeliveryGuarantee(snapshot: DatasetSnapshot, sessionTopics: TopicSubscription[] | null): DeliveryGuarantee | undefined {
  const source = findActivePollingSource(snapshot.metadata);
  if (source?.fetch.kind !== 'Mqtt') return undefined;
  const asked = source.fetch.topics.map((t) => ({ path: t.path, qos: qosNumber(t.qos) }));
  return deliveryGuarantee(asked, sessionTopics, source.merge.kind);
}

/** "exactly-once", or "at-least-once (unconfirmed)" before the broker's grants are known. */
export function formatDeliveryGuarantee(g: DeliveryGuarantee | undefined): string {
  return g ? `${g.level}${g.confirmed ? '' : ' (unconfirmed)'}` : '-';
}

/** describeQosDowngrade for each downgrade, with the merge of the dataset's active source. */
export function describeQosDowngrades(snapshot: DatasetSnapshot, downgrades: QosDowngrade[]): string[] {
  const merge = findActivePollingSource(snapshot.metadata)?.merge.kind ?? 'Append';
  return downgrades.map((d) => describeQosDowngrade(d, merge));
}
