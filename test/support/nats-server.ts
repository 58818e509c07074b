import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePorts, waitForPort } from './free-port';
import { superviseBroker, type ThrowawayBroker } from './throwaway-server';

/**
 * A throwaway NATS server (Debian's `nats-server` package) with JetStream (which holds its MQTT
 * sessions, subscriptions and retained messages) in a temporary directory, and its MQTT gateway,
 * on free loopback ports. Never the machine's own NATS.
 */
export type NatsServer = ThrowawayBroker;

export interface NatsOptions {
  /** username → password; when set, clients without them are refused. */
  users?: Record<string, string>;
  /** `mqtt.ack_wait`: how long an unacknowledged QoS 1 message waits before it is redelivered (NATS default 30 s). */
  ackWait?: string;
  /** `mqtt.max_ack_pending`: QoS 1 messages sent to a subscription without a PUBACK (NATS default 1024; twice that for a filter ending in #). */
  maxAckPending?: number;
}

export async function startNats(options: NatsOptions = {}): Promise<NatsServer> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-nats-'));
  const [clientPort, port] = await freePorts(2);
  const users = Object.entries(options.users ?? {});
  const lines = [
    `server_name: sluice_test_${path.basename(dir).replace(/\W/g, '_')}`,
    `listen: 127.0.0.1:${clientPort}`,
    `jetstream { store_dir: ${JSON.stringify(path.join(dir, 'js'))} }`,
    `mqtt {`,
    `  listen: 127.0.0.1:${port}`,
    ...(options.ackWait ? [`  ack_wait: ${JSON.stringify(options.ackWait)}`] : []),
    ...(options.maxAckPending ? [`  max_ack_pending: ${options.maxAckPending}`] : []),
    `}`,
    ...(users.length ? [`authorization { users: [ ${users.map(([u, p]) => `{ user: ${JSON.stringify(u)}, password: ${JSON.stringify(p)} }`).join(', ')} ] }`] : []),
  ];
  const conf = path.join(dir, 'nats.conf');
  fs.writeFileSync(conf, lines.join('\n') + '\n');

  return superviseBroker({
    port,
    dir,
    start: async () => {
      const child = spawn('nats-server', ['-c', conf, '-l', path.join(dir, 'nats.log')], { stdio: 'ignore' });
      await waitForPort(port, 30_000);
      return child;
    },
  });
}
