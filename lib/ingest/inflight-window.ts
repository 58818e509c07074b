import type { PullOptions } from './pull-options';

/**
 * What a pull or a follow run learns of its broker's in-flight window: to tell "the broker ran
 * dry" from "the broker is slow to answer the acknowledgements that released its window"
 * (awaitingAnswer), to stage a whole window without waiting for a quiet (holdsWindow), and, for a
 * follow run, to tell a window's stop from a pause of the stream (quietAgain).
 *
 * A broker with a window sends at most N unacknowledged messages (over MQTT 3.1.1 RabbitMQ's
 * `mqtt.prefetch`: 10; over MQTT 5 EMQX's max_inflight: 32, below the receive maximum asked for),
 * then waits; the pull commits them, acknowledges, and the broker sends the next N. RabbitMQ at
 * load 15–22 answered a release in 1–16 ms, then once sent 6 of its 10 and stayed quiet for over
 * a second in the middle of a 200,000-message backlog: the pull ended "updated" with messages
 * queued. From the client, a pause like that and the end of the backlog
 * look the same, so a pull on such a broker waits longer before calling it idle.
 *
 * The window is learned, not assumed: a broker has a steady window once it resumed after a release
 * from the same outstanding count STEADY_STOPS times. Mosquitto over 3.1.1 sends 20 after a
 * reconnection, then everything else at once, so it never shows one and pays no wait.
 * Contract: `received` for every QoS 1/2 message the run takes, `released` when it acknowledges
 * (QoS 1 PUBACK) or completes (QoS 2 PUBCOMP) messages; one instance per broker session.
 */
export class InflightWindow {
  /** QoS 1/2 messages taken and not yet released back to the broker. */
  private held = 0;
  /** `held` right after the broker's last message: how many it had outstanding when it last sent. */
  private heldAtLastSend = 0;
  /** The pull released messages since the broker's last message. */
  private releasedSinceSend = false;
  /** How often the broker resumed after a release from each outstanding count (of at least SMALLEST_INFLIGHT_WINDOW). */
  private readonly resumedFrom = new Map<number, number>();
  /** The outstanding count the broker showed as its steady window (kept for the pull's life). */
  private steadySize: number | undefined;
  /**
   * The broker has a steady window and sent nothing since the pull's last release: its silence
   * may be a pause, so idleness should be judged with more patience.
   */
  awaitingAnswer = false;

  /** `held` when the broker last went quiet (quietAgain); -1 before it first did. */
  private heldAtLastQuiet = -1;

  /**
   * `queued` messages make a whole steady window: the broker sends nothing more until they are
   * acknowledged, so waiting for a quiet to take them for a window only costs time (5 ms a window).
   * Counted in the queue, not among all outstanding messages: while a commit is in flight those
   * stay outstanding, and a window wrongly learned from a stream would stage every message alone.
   */
  holdsWindow(queued: number): boolean {
    return this.steadySize !== undefined && queued >= this.steadySize;
  }

  /** QoS 1/2 messages taken and not yet released: none, and no broker waits on the run's acknowledgements. */
  get outstanding(): number {
    return this.held;
  }

  received(): void {
    if (this.releasedSinceSend) this.resumed(this.heldAtLastSend);
    this.releasedSinceSend = false;
    this.held++;
    this.heldAtLastSend = this.held;
    this.awaitingAnswer = false;
  }

  released(count: number): void {
    if (count === 0) return;
    this.held = Math.max(0, this.held - count);
    this.releasedSinceSend = true;
    this.awaitingAnswer = this.steadySize !== undefined;
  }

  /**
   * The broker went quiet (called once a quiet): whether with as many messages outstanding as at
   * its last quiet. A broker's window stops it at the same count each time; a stream pauses between
   * bursts at whatever count it has. For a run that never ends idle (follow), which can afford to
   * learn a window from its second stop rather than stage every pause of a stream.
   */
  quietAgain(): boolean {
    // With no QoS 1/2 message outstanding there is no window to wait on.
    const same = this.held > 0 && this.held === this.heldAtLastQuiet;
    this.heldAtLastQuiet = this.held;
    return same;
  }

  /** The broker sent again after a release, having stopped at `stop` outstanding messages. */
  private resumed(stop: number): void {
    if (this.steadySize !== undefined || stop < SMALLEST_INFLIGHT_WINDOW) return;
    const times = (this.resumedFrom.get(stop) ?? 0) + 1;
    this.resumedFrom.set(stop, times);
    if (times >= STEADY_STOPS) this.steadySize = stop;
  }
}

/**
 * The window slots acknowledging a committed batch frees: a QoS 1 message holds its slot until its
 * PUBACK, a QoS 2 one until its PUBCOMP (a completed PUBREL).
 */
export function slotsFreed(batch: { messages: readonly { qos: number }[]; pubrels: readonly number[] }): number {
  let freed = batch.pubrels.length;
  for (const m of batch.messages) if (m.qos === 1) freed++;
  return freed;
}

/** Fewest unacknowledged messages common brokers send (RabbitMQ's prefetch: 10). */
export const SMALLEST_INFLIGHT_WINDOW = 10;

/**
 * How long a broker must have sent nothing before what it sent is taken for a full in-flight
 * window and staged, so that it can be acknowledged: `flushGapMs` after a burst of at least
 * SMALLEST_INFLIGHT_WINDOW messages or with PUBRELs to complete, `smallBatchQuietMs` after fewer
 * messages (a trickle is not worth a commit a message). Any MQTT 3.1.1 broker keeps such a window,
 * and over MQTT 5 one may keep a limit below the receive maximum the client asked for without
 * telling it (EMQX: 32).
 */
export function windowQuietMs(queued: number, pubrels: number, o: Pick<PullOptions, 'flushGapMs' | 'smallBatchQuietMs'>): number {
  // A PUBREL holds its message's slot until the PUBCOMP, however few came: they wait only the gap.
  return queued >= SMALLEST_INFLIGHT_WINDOW || pubrels > 0 ? o.flushGapMs : o.smallBatchQuietMs;
}

/** Resumptions from one count that make it a window rather than chance. */
const STEADY_STOPS = 3;
