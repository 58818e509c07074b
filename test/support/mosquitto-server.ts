import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, waitForPort } from './free-port';
import { superviseBroker, type ThrowawayBroker } from './throwaway-server';

/**
 * A throwaway Mosquitto (Debian's `mosquitto` package) on free loopback ports, with persistence in
 * a temporary directory so it can be restarted with its sessions, and an optional password file.
 */
export interface MosquittoServer extends ThrowawayBroker {
  wsPort: number;
  wsUrl: string;
}

export interface MosquittoOptions {
  /** username → password; when set, anonymous clients are refused. */
  users?: Record<string, string>;
  /** Queue limit per offline client (Mosquitto's default is 1000). */
  maxQueuedMessages?: number;
  /** Outgoing QoS 1/2 window per MQTT 3.1.1 client (Mosquitto's default is 20). */
  maxInflightMessages?: number;
  /** Seconds between saves of the in-memory database (0: only on shutdown). */
  autosaveInterval?: number;
}

export async function startMosquitto(options: MosquittoOptions = {}): Promise<MosquittoServer> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-mosquitto-'));
  const [port, wsPort] = [await freePort(), await freePort()];
  const lines = [
    `per_listener_settings false`,
    `persistence true`,
    `persistence_location ${dir}/`,
    `autosave_interval ${options.autosaveInterval ?? 1}`,
    `max_queued_messages ${options.maxQueuedMessages ?? 1_000_000}`,
    `max_inflight_messages ${options.maxInflightMessages ?? 20}`,
    `log_dest file ${dir}/mosquitto.log`,
    `listener ${port} 127.0.0.1`,
    `listener ${wsPort} 127.0.0.1`,
    `protocol websockets`,
  ];
  if (process.getuid?.() === 0) lines.unshift('user root');
  if (options.users) {
    const pwFile = path.join(dir, 'passwd');
    fs.writeFileSync(pwFile, '');
    for (const [user, pw] of Object.entries(options.users)) execFileSync('mosquitto_passwd', ['-b', pwFile, user, pw]);
    lines.push(`allow_anonymous false`, `password_file ${pwFile}`);
  } else {
    lines.push('allow_anonymous true');
  }
  const conf = path.join(dir, 'mosquitto.conf');
  fs.writeFileSync(conf, lines.join('\n') + '\n');

  const broker = await superviseBroker({
    port,
    dir,
    start: async () => {
      const child = spawn('mosquitto', ['-c', conf], { stdio: 'ignore' });
      await waitForPort(port);
      await waitForPort(wsPort);
      return child;
    },
  });
  return { ...broker, wsPort, wsUrl: `ws://127.0.0.1:${wsPort}` };
}
