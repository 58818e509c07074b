import { randomBytes } from 'node:crypto';
import mqttPacket, { type Packet } from 'mqtt-packet';
import type WebSocket from 'ws';
import { openBrokerTransport, type BrokerTlsOptions } from '../ingest/fetch/broker-transport';
import { filterCovers, topicMatches } from '../ingest/fetch/topic-filter';

/** What one browser may do through the relay: resolved on the server from its session and role. */
export interface RelayPolicy {
  brokerUrl: string;
  tls?: BrokerTlsOptions;
  /** The dataset's broker credentials (stored secrets): added here, never sent to the browser. */
  username?: string;
  password?: string;
  /** The dataset's topic filters: subscriptions must stay within them, publishes must match them. */
  topics: string[];
  canPublish: boolean;
}

/** WebSocket close codes the preview shows (4000–4999 are the application's). */
export const RELAY_CLOSE = { refused: 4003, brokerUnreachable: 4502 } as const;

/**
 * Relays one browser's MQTT-over-WebSocket connection to the dataset's broker (TCP, TLS or
 * WebSocket). Packets from the browser are parsed and checked: CONNECT gets the stored credentials
 * and a clean session under a throwaway preview client id; SUBSCRIBE must stay within the dataset's
 * filters (else SUBACK refuses it); PUBLISH needs the publish permission and a topic of the dataset
 * (else the connection closes with the reason). The broker's bytes go back unchanged.
 */
export function relayMqtt(browser: WebSocket, policy: RelayPolicy): void {
  const parser = mqttPacket.parser({ protocolVersion: 4 });
  let upstream: ReturnType<typeof openBrokerTransport> | undefined;
  let closed = false;

  const close = (code: number, reason: string) => {
    if (closed) return;
    closed = true;
    upstream?.destroy();
    browser.close(code, reason.slice(0, 120));
  };
  const toBrowser = (packet: Packet) => browser.send(mqttPacket.generate(packet));
  const toBroker = (packet: Packet) => upstream!.write(mqttPacket.generate(packet));

  parser.on('packet', (packet: Packet) => {
    if (closed) return;
    if (!upstream) {
      if (packet.cmd !== 'connect') return close(RELAY_CLOSE.refused, 'the first packet must be CONNECT');
      upstream = openBrokerTransport(new URL(policy.brokerUrl), policy.tls);
      upstream.on('data', (bytes: Buffer) => browser.readyState === browser.OPEN && browser.send(bytes));
      upstream.on('error', (err) => {
        // Tell mqtt.js why, as a broker would: CONNACK "server unavailable".
        if (browser.readyState === browser.OPEN) toBrowser({ cmd: 'connack', returnCode: 3, sessionPresent: false });
        close(RELAY_CLOSE.brokerUnreachable, `broker unreachable: ${err.message}`);
      });
      upstream.on('close', () => close(1000, 'the broker closed the connection'));
      toBroker({
        ...packet,
        clientId: packet.clientId.startsWith('sluice-preview-') ? packet.clientId : `sluice-preview-${randomBytes(6).toString('hex')}`,
        clean: true,
        username: policy.username,
        password: policy.password === undefined ? undefined : Buffer.from(policy.password),
        will: undefined,
      });
      return;
    }
    switch (packet.cmd) {
      case 'subscribe': {
        const allowed = packet.subscriptions.every((s) => policy.topics.some((f) => filterCovers(f, s.topic)));
        if (allowed) return toBroker(packet);
        return toBrowser({ cmd: 'suback', messageId: packet.messageId, granted: packet.subscriptions.map(() => 128) });
      }
      case 'publish': {
        if (!policy.canPublish) return close(RELAY_CLOSE.refused, 'your role does not allow publishing');
        if (!policy.topics.some((f) => topicMatches(f, packet.topic))) return close(RELAY_CLOSE.refused, `publishing to ${packet.topic} is outside the dataset's topics`);
        return toBroker(packet);
      }
      case 'connect':
        return close(RELAY_CLOSE.refused, 'a second CONNECT is not allowed');
      default:
        return toBroker(packet);
    }
  });
  parser.on('error', (err: Error) => close(RELAY_CLOSE.refused, `malformed MQTT: ${err.message}`));

  browser.on('message', (data: Buffer) => parser.parse(data));
  browser.on('close', () => {
    closed = true;
    upstream?.destroy();
  });
  browser.on('error', () => close(1011, 'browser connection failed'));
}
