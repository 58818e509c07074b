import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, waitForPort } from './free-port';

/**
 * A throwaway NATS server (Debian's `nats-server` package) with JetStream (which holds its MQTT
 * sessions, subscriptions and retained messages) in a temporary directory, and its MQTT gateway,
 * on free loopback ports. Never the machine's own NATS.
 */
export interface NatsServer {
  port: number;
  url: string;
  /** SIGTERM (JetStream keeps the sessions on disk), then start again on the same ports. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

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
  const [clientPort, port] = [await freePort(), await freePort()];
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

  let child: ChildProcess | undefined;
  const start = async () => {
    child = spawn('nats-server', ['-c', conf, '-l', path.join(dir, 'nats.log')], { stdio: 'ignore' });
    await waitForPort(port, 30_000);
  };
  const stopChild = async () => {
    const c = child;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      c.once('exit', () => resolve());
      c.kill('SIGTERM');
    });
  };
  await start();
  return {
    port,
    url: `mqtt://127.0.0.1:${port}`,
    async restart() {
      await stopChild();
      await start();
    },
    async stop() {
      await stopChild();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
