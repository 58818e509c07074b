import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startEmbeddedBroker, type EmbeddedBroker } from '../../lib/broker/embedded-broker';
import { startMosquitto } from './mosquitto-server';
import { startNats } from './nats-server';
import { startRabbitmq } from './rabbitmq-server';

/** The brokers teams run Sluice against, each as a throwaway instance on free loopback ports. */
export type BrokerKind = 'mosquitto' | 'nats' | 'rabbitmq' | 'embedded';

/** One broker under test, with the one user every client logs in as. */
export interface TestBroker {
  kind: BrokerKind;
  port: number;
  url: string;
  user: { username: string; password: string };
  /** The highest QoS the broker grants a subscription (RabbitMQ 3.x and NATS 2.9 grant QoS 2 as 1). */
  maxGrantedQos: 1 | 2;
  /** The highest QoS a publisher may use (NATS 2.9 closes the connection of a QoS 2 PUBLISH). */
  maxPublishQos: 1 | 2;
  /** A graceful stop (the broker keeps its sessions) and a start on the same port. */
  restart(): Promise<void>;
  /**
   * kill -9 and a start on the same port. None for the embedded broker, which runs in the test's
   * own process (`sluice broker` persists each packet to LevelDB before answering it).
   */
  crash?(): Promise<void>;
  /**
   * Resolves once what the broker acknowledged so far would survive `crash`: Mosquitto writes its
   * store only on autosave (here every second) or shutdown; NATS (JetStream) and RabbitMQ (durable
   * queues, persistent messages) store a QoS 1/2 message before acknowledging it.
   */
  persisted(): Promise<void>;
  stop(): Promise<void>;
}

export const TEST_BROKER_USER = { username: 'sluice', password: 'broker-secret' };

/**
 * NATS's ack wait in tests: how long a message delivered to a pull that died unacknowledged waits
 * before it is redelivered. NATS's default is 30 s; tests shorten it so a re-pull sees it soon.
 */
export const TEST_NATS_ACK_WAIT_S = 2;

export async function startTestBroker(kind: BrokerKind): Promise<TestBroker> {
  const user = TEST_BROKER_USER;
  const users = { [user.username]: user.password };
  switch (kind) {
    case 'mosquitto': {
      const b = await startMosquitto({ users, deniedSubscriptions: [DENIED_FILTER] });
      return { kind, port: b.port, url: b.url, user, maxGrantedQos: 2, maxPublishQos: 2, restart: b.restart, crash: b.crash, persisted: b.saved, stop: b.stop };
    }
    case 'nats': {
      const b = await startNats({ users, ackWait: `${TEST_NATS_ACK_WAIT_S}s` });
      return { kind, port: b.port, url: b.url, user, maxGrantedQos: 1, maxPublishQos: 1, restart: b.restart, crash: b.crash, persisted: async () => {}, stop: b.stop };
    }
    case 'rabbitmq': {
      const b = await startRabbitmq({ user, deniedSubscriptions: [DENIED_FILTER] });
      return { kind, port: b.port, url: b.url, user, maxGrantedQos: 1, maxPublishQos: 2, restart: b.restart, crash: b.crash, persisted: async () => {}, stop: b.stop };
    }
    case 'embedded':
      return startEmbedded(users);
  }
}

/** `sluice broker`'s broker in this process, persisted (LevelDB) so a restart keeps its sessions. */
async function startEmbedded(users: Record<string, string>): Promise<TestBroker> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-embedded-'));
  let broker: EmbeddedBroker = await startEmbeddedBroker({ port: 0, wsPort: 0, dataDir, users });
  const port = broker.port;
  return {
    kind: 'embedded',
    port,
    url: broker.url,
    user: TEST_BROKER_USER,
    maxGrantedQos: 2,
    maxPublishQos: 2,
    persisted: async () => {},
    async restart() {
      await broker.close();
      broker = await startEmbeddedBroker({ port, wsPort: 0, dataDir, users, portFallback: false });
    },
    async stop() {
      await broker.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** The filter the Mosquitto and RabbitMQ test users may not subscribe to (dynamic security; topic permissions). */
const DENIED_FILTER = 'denied/#';

/**
 * A filter each broker refuses the test user's subscription to: SUBACK failure 0x80, or RabbitMQ
 * hangs up. NATS refuses any filter with a '.' (its subjects cannot hold one). The embedded broker
 * has no subscription permissions.
 */
export const REFUSED_FILTER: Record<BrokerKind, string | undefined> = { mosquitto: DENIED_FILTER, nats: 'refused.topic/#', rabbitmq: DENIED_FILTER, embedded: undefined };
