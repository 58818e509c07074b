import { spawn, execFileSync } from 'node:child_process';
import { pbkdf2Sync, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePorts, waitForPort } from './free-port';
import { superviseBroker, type ThrowawayBroker } from './throwaway-server';

/**
 * A throwaway Mosquitto (Debian's `mosquitto` package) on free loopback ports, with persistence in
 * a temporary directory so it can be restarted with its sessions, and an optional password file.
 */
export interface MosquittoServer extends ThrowawayBroker {
  wsPort: number;
  wsUrl: string;
  /** Resolves after the broker's next autosave: what it acknowledged before the call then survives a kill -9. */
  saved(): Promise<void>;
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
  /**
   * Filters every user is denied subscribing to (needs `users`). Mosquitto's password and ACL files
   * cannot do this (2.0.11 grants a subscription its acl_file denies and only withholds the
   * messages), so the users and this rule go to its dynamic security plugin, which answers such a
   * SUBSCRIBE with SUBACK failure 0x80 (0x87 with MQTT 5).
   */
  deniedSubscriptions?: string[];
}

const DYNSEC_PLUGIN = '/usr/lib/x86_64-linux-gnu/mosquitto_dynamic_security.so';

/** The dynamic security plugin's state file: `users`, each with a role denying `denied`. */
function dynsecConfig(users: Record<string, string>, denied: string[]): string {
  const iterations = 101;
  const clients = Object.entries(users).map(([username, password]) => {
    const salt = randomBytes(12);
    const hash = pbkdf2Sync(password, salt, iterations, 64, 'sha512');
    return { username, textname: '', roles: [{ rolename: 'denied' }], password: hash.toString('base64'), salt: salt.toString('base64'), iterations };
  });
  return JSON.stringify({
    defaultACLAccess: { publishClientSend: true, publishClientReceive: true, subscribe: true, unsubscribe: true },
    clients,
    groups: [],
    roles: [{ rolename: 'denied', acls: denied.map((topic) => ({ acltype: 'subscribePattern', topic, priority: 0, allow: false })) }],
  });
}

export async function startMosquitto(options: MosquittoOptions = {}): Promise<MosquittoServer> {
  // A port found free can be taken (by another test's server, or as an outgoing connection's
  // ephemeral port) before Mosquitto binds it: Mosquitto then exits, and it is started again on
  // other ports rather than waited for.
  for (let attempt = 1; ; attempt++) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-mosquitto-')); // a failed start removes it
    const [port, wsPort] = await freePorts(2);
    const conf = writeConfig(dir, port, wsPort, options);
    try {
      const broker = await superviseBroker({
        port,
        dir,
        start: async () => {
          const child = spawn('mosquitto', ['-c', conf], { stdio: 'ignore' });
          const exited = new Promise<never>((_, reject) =>
            child.once('exit', (code) => reject(new MosquittoExited(code, fs.existsSync(path.join(dir, 'mosquitto.log')) ? fs.readFileSync(path.join(dir, 'mosquitto.log'), 'utf8') : ''))),
          );
          exited.catch(() => undefined); // settled by the race below, or after a later stop
          await Promise.race([Promise.all([waitForPort(port, 120_000), waitForPort(wsPort, 120_000)]), exited]);
          return child;
        },
      });
      return withSaved(broker, dir, wsPort);
    } catch (err) {
      // Taken meanwhile: libwebsockets says only that it could not create its listener.
      if (!(err instanceof MosquittoExited && /address already in use|unable to create websockets listener/i.test(err.log)) || attempt >= 5) throw err;
    }
  }
}

class MosquittoExited extends Error {
  constructor(
    code: number | null,
    readonly log: string,
  ) {
    super(`mosquitto exited (${code}) during start-up:\n${log}`);
  }
}

/** Mosquitto's configuration for these ports and options, written into `dir`; returns its path. */
function writeConfig(dir: string, port: number, wsPort: number, options: MosquittoOptions): string {
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
  if (options.users && options.deniedSubscriptions) {
    const file = path.join(dir, 'dynamic-security.json');
    fs.writeFileSync(file, dynsecConfig(options.users, options.deniedSubscriptions));
    lines.push(`allow_anonymous false`, `plugin ${DYNSEC_PLUGIN}`, `plugin_opt_config_file ${file}`);
  } else if (options.users) {
    const pwFile = path.join(dir, 'passwd');
    fs.writeFileSync(pwFile, '');
    for (const [user, pw] of Object.entries(options.users)) execFileSync('mosquitto_passwd', ['-b', pwFile, user, pw]);
    lines.push(`allow_anonymous false`, `password_file ${pwFile}`);
  } else {
    lines.push('allow_anonymous true');
  }
  const conf = path.join(dir, 'mosquitto.conf');
  fs.writeFileSync(conf, lines.join('\n') + '\n');
  return conf;
}

function withSaved(broker: ThrowawayBroker, dir: string, wsPort: number): MosquittoServer {
  const db = path.join(dir, 'mosquitto.db');
  const savedAt = () => (fs.existsSync(db) ? fs.statSync(db).mtimeMs : 0);
  async function saved() {
    const since = Date.now();
    while (savedAt() <= since) await new Promise((r) => setTimeout(r, 50));
  }
  return { ...broker, wsPort, wsUrl: `ws://127.0.0.1:${wsPort}`, saved };
}
