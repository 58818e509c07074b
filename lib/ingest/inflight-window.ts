/**
 * What a pull learns of its broker's in-flight window, to tell "the broker ran dry" from "the
 * broker has not yet answered the acknowledgements that released its window".
 *
 * An MQTT 3.1.1 broker with a window sends at most N unacknowledged messages (RabbitMQ's
 * `mqtt.prefetch`: 10), then waits; the pull commits them, acknowledges, and the broker sends the
 * next N. Silence after such a release is ambiguous: the backlog may have ended at a multiple of
 * N, or the broker is slow to answer (RabbitMQ at load 15–22 stayed quiet for more than a second
 * in the middle of a 200,000-message backlog, and the pull ended "updated" with messages queued).
 *
 * The window is learned, not assumed: it is the count the broker stopped at and resumed after the
 * pull released it. Stopping at that same count again is a window stop; stopping at another count
 * is the end of the backlog (Mosquitto over 3.1.1 sends 20 after a reconnection, then everything
 * else at once, so its last stop says nothing about a window). Contract: `received` for every
 * QoS 1/2 message the pull takes, `released` when it acknowledges (QoS 1 PUBACK) or completes
 * (QoS 2 PUBCOMP) messages.
 */
export class InflightWindow {
  /** QoS 1/2 messages taken and not yet released back to the broker. */
  private held = 0;
  /** `held` right after the broker's last message: how many it had outstanding when it last sent. */
  private heldAtLastSend = 0;
  /** The outstanding count the broker last stopped at and resumed after a release: its window, as seen. */
  private window = 0;
  /**
   * The pull released a whole window and the broker has not answered: its silence may be slowness,
   * so idleness should be judged with more patience.
   */
  awaitingAnswer = false;

  received(): void {
    // Everything was released and the broker sent again: it had stopped at heldAtLastSend.
    if (this.held === 0) this.window = this.heldAtLastSend;
    this.held++;
    this.heldAtLastSend = this.held;
    this.awaitingAnswer = false;
  }

  released(count: number): void {
    this.held = Math.max(0, this.held - count);
    this.awaitingAnswer = this.held === 0 && this.window >= SMALLEST_INFLIGHT_WINDOW && this.heldAtLastSend === this.window;
  }
}

/** Fewest unacknowledged messages common MQTT 3.1.1 brokers send (RabbitMQ's prefetch: 10). */
export const SMALLEST_INFLIGHT_WINDOW = 10;
