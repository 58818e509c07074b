import type { SluiceError } from '../../errors';
import type { MqttSessionHandlers, ReceivedMessage } from './mqtt-session';

/**
 * Routes an MQTT session's events to the pull that owns it, so one connection can serve the
 * consecutive pulls of one run (pullUntilCaughtUp). Between two pulls events wait here, in order,
 * and reach the next pull when it attaches.
 *
 * Why: a pull that stops at its record cap leaves messages the broker already sent unacknowledged.
 * Disconnecting then makes NATS withhold them for its ack wait (30 s by default) and send nothing
 * else meanwhile; on the same connection the next pull simply takes them.
 */
export class SessionRelay implements MqttSessionHandlers {
  private target: MqttSessionHandlers | undefined;
  private readonly waiting: ((h: MqttSessionHandlers) => void)[] = [];

  /** Delivers what waited, then every later event, to `handlers`. */
  attach(handlers: MqttSessionHandlers): void {
    this.target = handlers;
    for (const deliver of this.waiting.splice(0)) deliver(handlers);
  }

  detach(): void {
    this.target = undefined;
  }

  onMessage(message: ReceivedMessage): void {
    this.route((h) => h.onMessage(message));
  }

  onPubrel(messageId: number): void {
    this.route((h) => h.onPubrel(messageId));
  }

  onError(error: SluiceError): void {
    this.route((h) => h.onError(error));
  }

  private route(deliver: (h: MqttSessionHandlers) => void): void {
    if (this.target) deliver(this.target);
    else this.waiting.push(deliver);
  }
}
