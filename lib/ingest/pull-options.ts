import { z } from 'zod';
import { SluiceError } from '../errors';
import type { MqttSessionOptions } from './fetch/mqtt-session';
import { MAX_TIMER_MS } from './timer-limit';

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
   * A quiet gap this long after a burst of messages stages them, as the broker has probably filled
   * its in-flight window and waits for acknowledgements: any MQTT 3.1.1 broker, and an MQTT 5 one
   * whose own limit is below the receive maximum the pull asked for (EMQX: 32).
   */
  flushGapMs: number;
  /** A handful of messages (a trickle, or a broker with a tiny window) is staged after this long without a new one. */
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

/** A wait in milliseconds: finite, at least `min`, at most MAX_TIMER_MS. */
export const timerMs = (min: number) => z.number().finite().min(min).max(MAX_TIMER_MS, `at most ${MAX_TIMER_MS} ms (~24.8 days)`);
/** A count: a whole number, at least 1. */
export const positiveCount = z.number().int().min(1).max(Number.MAX_SAFE_INTEGER);

const PullOptionsInput = z
  .object({
    idleTimeoutMs: timerMs(1),
    recordCap: positiveCount,
    byteCap: positiveCount,
    maxDurationMs: timerMs(1),
    connectTimeoutMs: timerMs(1),
    maxPayloadBytes: positiveCount,
    protocolVersion: z.union([z.literal(4), z.literal(5), z.literal('auto')]),
    flushGapMs: timerMs(0),
    smallBatchQuietMs: timerMs(0),
    batchSize: positiveCount,
    redeliveryWaitMs: timerMs(0),
    tls: z.custom<NonNullable<PullOptions['tls']>>((v) => typeof v === 'object' && v !== null),
  })
  .partial();

/**
 * A pull's options: the defaults with `options` over them, checked (from the CLI, a schedule, the
 * console or an API caller alike). Throws INVALID_INPUT naming the option: a NaN cap was never
 * reached, a cap of 0 took nothing, and a timer past MAX_TIMER_MS fired at once (a connect timeout
 * of 1e10 ms reported a broker that was up as unreachable).
 */
export function resolvePullOptions(options: Partial<PullOptions> = {}): PullOptions {
  return checkedOptions('pull option', PullOptionsInput, DEFAULT_PULL_OPTIONS, options);
}

/** `defaults` with the options given (undefined ones left out) over them, once `schema` accepts those. */
export function checkedOptions<T extends object>(what: string, schema: z.ZodType, defaults: T, options: Partial<T>): T {
  const given = definedOptions(options);
  const r = schema.safeParse(given);
  if (!r.success) throw new SluiceError('INVALID_INPUT', r.error.issues.map((i) => `${what} ${i.path.join('.')}: ${i.message}`).join('; '));
  return { ...defaults, ...given };
}

/** The options given a value: an undefined one leaves its default. */
export function definedOptions<T extends object>(options: Partial<T>): Partial<T> {
  return Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as Partial<T>;
}
