import type { MqttSessionOptions } from './fetch/mqtt-session';

/** Bounds that make a pull safe inside a request, a cron call or a CLI loop (Kamu's names where it has them). */
export interface PullOptions {
  /** The pull ends once the broker has sent nothing for this long (Kamu's brokerIdleTimeout, 1 s). */
  idleTimeoutMs: number;
  /** At most this many QoS 1/2 messages per pull (Kamu's targetRecordsPerSlice); more waiting → hasMore. */
  recordCap: number;
  /**
   * At most this many bytes of payloads and topics per pull, the record cap's bound in memory: a broker that
   * ignores the receive window, or sends large messages, cannot make a pull hold more than this
   * (and as much again read ahead for the next pull of its run); more waiting → hasMore.
   */
  byteCap: number;
  /**
   * A topic that never goes quiet (a device publishing every second) would keep a pull open until
   * the cap; past this duration the pull commits what it has and ends.
   */
  maxDurationMs: number;
  connectTimeoutMs: number;
  /** Larger payloads are quarantined instead of read. */
  maxPayloadBytes: number;
  protocolVersion: MqttSessionOptions['protocolVersion'];
  /**
   * MQTT 3.1.1 only (with MQTT 5 the broker may send up to the record cap unacknowledged, so a
   * pull stages when a batch is full and publishes at its end): a quiet gap this long after a
   * burst of messages stages them, as the broker has probably filled its in-flight window and
   * waits for acknowledgements.
   */
  flushGapMs: number;
  /** MQTT 3.1.1 only: a handful of messages (a trickle, or a broker with a tiny window) is staged after this long without a new one. */
  smallBatchQuietMs: number;
  /**
   * A backlog is staged in batches of this many messages while the rest is still arriving (and
   * published as one slice at the pull's end), so reading, merging and Postgres's commit overlap
   * instead of taking turns.
   */
  batchSize: number;
  /**
   * How long the broker may hold a message it delivered without getting its acknowledgement before
   * it sends it again. Mosquitto, RabbitMQ and the embedded broker resend at the next connection;
   * NATS only once its `mqtt.ack_wait` (30 s by default) has passed, so messages a killed pull or a
   * pull ended at its cap had received wait that long (see pending-at-broker.ts).
   */
  redeliveryWaitMs: number;
  tls?: MqttSessionOptions['tls'];
}

export const DEFAULT_PULL_OPTIONS: PullOptions = {
  idleTimeoutMs: 1000,
  recordCap: 10_000,
  byteCap: 256 * 1024 * 1024,
  maxDurationMs: 30_000,
  connectTimeoutMs: 5000,
  maxPayloadBytes: 1024 * 1024,
  protocolVersion: 'auto',
  flushGapMs: 5,
  smallBatchQuietMs: 250,
  batchSize: 2500,
  redeliveryWaitMs: 30_000,
};
