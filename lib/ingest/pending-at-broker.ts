/**
 * "The broker has nothing more for this session" and "the broker is waiting to redeliver" look the
 * same to a pull: nothing arrives. They differ in what came before (issue 15):
 *
 * - A pull that ended at its record cap (or its maximum duration) disconnects with messages the
 *   broker already sent and that were not acknowledged. Mosquitto, RabbitMQ and the embedded broker
 *   resend them on the next connection (MQTT 3.1.1 §4.4). NATS counts them against the
 *   subscription's `max_ack_pending` and resends them only after `mqtt.ack_wait` (30 s by
 *   default), sending nothing else meanwhile once that window is full. So a pull after a capped
 *   pull that receives nothing at all is looking at a broker that withholds, not at an empty queue.
 * - A pull that was killed left what it had received unacknowledged. A broker that resends at once
 *   marks those messages DUP (Mosquitto; the embedded broker, whose store Sluice wraps to do so);
 *   a pull after an interrupted one that sees no DUP message may be looking at a broker that
 *   withholds them. RabbitMQ 3.10 resends at once but not always marked DUP, and nothing else in
 *   the session tells such a message from a new one, so after a killed pull it often costs one wait
 *   (`--redelivery-wait 0` makes that an immediate extra pull where RabbitMQ is the broker).
 *
 * Either way the pull must not say "up to date": it reports what is pending and when to pull again.
 * So must a run that stopped while the broker was still sending (stillArriving).
 */
export interface PendingAtBroker {
  /** What is pending and why, for the CLI and the console. */
  reason: string;
  /** Pull again after this long. */
  retryAfterMs: number;
}

const seconds = (ms: number) => `${Math.ceil(ms / 1000)} s`;

/** After a pull that stopped at its cap, the next one received nothing. */
export function withheldAfterCap(redeliveryWaitMs: number): PendingAtBroker {
  return {
    reason: `more is pending at the broker: the previous pull stopped at its record cap with messages delivered and not acknowledged, and the broker sent nothing since; it will redeliver them after its acknowledgement wait (assumed ${seconds(redeliveryWaitMs)}; NATS: mqtt.ack_wait)`,
    retryAfterMs: redeliveryWaitMs,
  };
}

/** The previous pull was killed, and no message came back marked as a redelivery. */
export function withheldAfterInterruption(redeliveryWaitMs: number): PendingAtBroker {
  return {
    reason: `more may be pending at the broker: the previous pull was interrupted (killed, or its connection lost) and nothing it had received was redelivered yet; a broker that waits before redelivering (NATS: mqtt.ack_wait) sends it within ${seconds(redeliveryWaitMs)}`,
    retryAfterMs: redeliveryWaitMs,
  };
}

/** A run of pulls stopped at its time budget while every pull still had more to take. */
export function stillArriving(runMs: number): PendingAtBroker {
  return {
    reason: `more is pending at the broker: messages were still arriving when the run stopped after ${seconds(runMs)} (a topic that never goes quiet is never caught up)`,
    retryAfterMs: 0,
  };
}
