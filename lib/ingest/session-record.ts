import { isSluiceError } from '../errors';
import { openMqttSession, SubscriptionFailed, type MqttSession, type MqttSessionHandlers, type MqttSessionOptions, type OpenMqttSession, type TopicSubscription } from './fetch/mqtt-session';
import type { IngestStore } from './ports';

/**
 * What a dataset's broker session holds, as its record says (dataset.session_topics), and the one
 * way a pull or a follow run opens that session so the record stays true whatever happens to the
 * connection: written ahead as unconfirmed (the session may hold any of the recorded and the
 * wanted filters) by `open`, then confirmed with the filters the subscription left by `confirm`,
 * which the caller awaits once the session answers its broker (PUBRELs that arrive meanwhile
 * wait unanswered, and a flood of them repeats ids that are answered once). A subscription that
 * failed (refused in part, hung up on, unanswered), or a process killed between CONNACK and
 * SUBACK, leaves it unconfirmed, and the next connection subscribes every wanted filter again and
 * unsubscribes every other the session may hold, instead of resuming a session that lacks one
 * (whose messages would never come, silently) or keeps one the manifest dropped (whose messages
 * would come twice). A failure before the CONNACK changed nothing at the broker: the record is put
 * back. Every write is checked against the pull's lease.
 */
export class SessionRecord {
  constructor(
    private readonly store: IngestStore,
    private readonly datasetId: string,
    private readonly pullId: string,
    public topics: TopicSubscription[] | null,
    public confirmed: boolean,
  ) {}

  async open(options: MqttSessionOptions, handlers: MqttSessionHandlers, open: OpenMqttSession = openMqttSession): Promise<MqttSession> {
    const before = { topics: this.topics, confirmed: this.confirmed };
    if (this.confirmed) {
      const mayHold = [...(this.topics ?? []), ...options.topics.filter((t) => !this.topics?.some((held) => held.path === t.path))];
      await this.store.markSessionTopicsUnconfirmed(this.datasetId, this.pullId, mayHold);
      this.topics = mayHold;
      this.confirmed = false;
    }
    let session: MqttSession;
    try {
      session = await open({ ...options, sessionTopics: before.topics ?? undefined, sessionTopicsConfirmed: before.confirmed }, handlers);
    } catch (err) {
      if (before.confirmed && failedBeforeSession(err)) {
        await this.store.saveSessionTopics(this.datasetId, this.pullId, before.topics).catch(() => undefined);
        Object.assign(this, before);
      }
      throw err;
    }
    return session;
  }

  /**
   * The connection was lost after the subscription: the broker may have gone down and come back
   * without the session's subscriptions while keeping the session or saying so (RabbitMQ after a
   * kill -9 kept the session's queue and routed nothing to it; EMQX 2 dropped subscriptions on a
   * restart). The record is left unconfirmed, so the next connection subscribes every filter again
   * rather than resume a session that may lack them. A repeated SUBSCRIBE keeps what the session
   * queued (MQTT-3.8.4-3); the broker resends its retained messages, which a Ledger drops and an
   * Append keeps once more. Lease-checked, as `open`.
   */
  async lost(): Promise<void> {
    if (!this.confirmed || !this.topics) return;
    await this.store.markSessionTopicsUnconfirmed(this.datasetId, this.pullId, this.topics);
    this.confirmed = false;
  }

  /** Records what `session` (from `open`) holds. Throws PULL_ALREADY_RUNNING if the lease was lost; the caller closes the session then. */
  async confirm(session: MqttSession): Promise<void> {
    await this.store.saveSessionTopics(this.datasetId, this.pullId, session.topics);
    this.topics = session.topics;
    this.confirmed = true;
  }
}

/** Refused or unreachable before a CONNACK: the broker's session was not touched. A connection lost (the session thread's end included) may have been after it. */
function failedBeforeSession(err: unknown): boolean {
  return isSluiceError(err) && !(err instanceof SubscriptionFailed) && err.code !== 'CONNECTION_LOST';
}
