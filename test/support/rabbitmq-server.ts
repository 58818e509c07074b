import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePorts, waitForPort } from './free-port';
import { superviseBroker, type ThrowawayBroker } from './throwaway-server';

/**
 * A throwaway RabbitMQ node (Debian's `rabbitmq-server` package) with the `rabbitmq_mqtt` plugin,
 * on free loopback ports: its own node name, data directory, Erlang cookie and epmd, AMQP and
 * distribution ports, and no management plugin. It never touches the machine's own RabbitMQ
 * (5672, the default node, the system epmd on 4369) and never runs rabbitmqctl.
 *
 * Booting takes 12–16 s on this machine: start one per test file.
 */
export type RabbitmqServer = ThrowawayBroker;

export interface RabbitmqOptions {
  /** The one user (as RabbitMQ's default user, created at first boot); anonymous MQTT clients are refused. */
  user: { username: string; password: string };
  /** `mqtt.prefetch`: unacknowledged messages sent to a subscriber (RabbitMQ default 10). */
  prefetch?: number;
  /**
   * Filters the user may not subscribe to: the user, with a topic permission on amq.topic (the
   * exchange MQTT uses) that denies reading their routing keys, comes from a definitions file
   * loaded at boot instead of default_user.
   */
  deniedSubscriptions?: string[];
}

/** Definitions (users, permissions) for a fresh node: the user may not read the routing keys of `denied`. */
function definitions(user: RabbitmqOptions['user'], denied: string[]): string {
  // rabbit_password_hashing_sha256: base64(salt ++ sha256(salt ++ password)), a 4-byte salt.
  const salt = randomBytes(4);
  const hash = Buffer.concat([salt, createHash('sha256').update(Buffer.concat([salt, Buffer.from(user.password)])).digest()]);
  // MQTT topic a/b/# is routing key a.b.#; the regex refuses every key under a denied prefix.
  const prefixes = denied.map((f) => f.replace(/\/?#$/, '').replaceAll('/', '.').replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  const read = `^(?!(${prefixes.join('|')})(\\.|$)).*`;
  return JSON.stringify({
    users: [{ name: user.username, password_hash: hash.toString('base64'), hashing_algorithm: 'rabbit_password_hashing_sha256', tags: ['administrator'] }],
    vhosts: [{ name: '/' }],
    permissions: [{ user: user.username, vhost: '/', configure: '.*', write: '.*', read: '.*' }],
    topic_permissions: [{ user: user.username, vhost: '/', exchange: 'amq.topic', write: '.*', read }],
  });
}

export async function startRabbitmq(options: RabbitmqOptions): Promise<RabbitmqServer> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-rabbitmq-'));
  const [port, amqpPort, distPort, epmdPort] = await freePorts(4);
  const home = path.join(dir, 'home');
  fs.mkdirSync(home);
  fs.writeFileSync(path.join(home, '.erlang.cookie'), randomBytes(16).toString('hex'), { mode: 0o400 });
  fs.writeFileSync(path.join(dir, 'enabled_plugins'), '[rabbitmq_mqtt].\n');
  fs.writeFileSync(path.join(dir, 'env.conf'), '');
  if (options.deniedSubscriptions) fs.writeFileSync(path.join(dir, 'definitions.json'), definitions(options.user, options.deniedSubscriptions)); // instead of the machine's /etc/rabbitmq/rabbitmq-env.conf
  fs.writeFileSync(
    path.join(dir, 'rabbitmq.conf'),
    [
      `listeners.tcp.default = 127.0.0.1:${amqpPort}`,
      `mqtt.listeners.tcp.default = 127.0.0.1:${port}`,
      `mqtt.allow_anonymous = false`,
      ...(options.prefetch ? [`mqtt.prefetch = ${options.prefetch}`] : []),
      ...(options.deniedSubscriptions
        ? [`load_definitions = ${path.join(dir, 'definitions.json')}`]
        : [`default_user = ${options.user.username}`, `default_pass = ${options.user.password}`]),
      `log.file = false`,
      `log.console = false`,
    ].join('\n') + '\n',
  );
  const env = {
    ...process.env,
    HOME: home,
    RABBITMQ_CONF_ENV_FILE: path.join(dir, 'env.conf'),
    RABBITMQ_NODENAME: `sluice_${path.basename(dir).replace(/\W/g, '_')}@localhost`,
    RABBITMQ_MNESIA_BASE: path.join(dir, 'mnesia'),
    RABBITMQ_LOG_BASE: path.join(dir, 'log'),
    RABBITMQ_CONFIG_FILE: path.join(dir, 'rabbitmq.conf'),
    RABBITMQ_ADVANCED_CONFIG_FILE: path.join(dir, 'advanced.config'),
    RABBITMQ_ENABLED_PLUGINS_FILE: path.join(dir, 'enabled_plugins'),
    RABBITMQ_PID_FILE: path.join(dir, 'rabbitmq.pid'),
    RABBITMQ_DIST_PORT: String(distPort),
    ERL_EPMD_PORT: String(epmdPort),
    ERL_EPMD_ADDRESS: '127.0.0.1',
    // The script then execs the Erlang VM: the child is the broker itself, and SIGTERM stops it gracefully.
    RUNNING_UNDER_SYSTEMD: 'true',
  };
  // The node's own epmd, on its own port, so the system one (4369) is never used; stopped with the node.
  const epmd = spawn('epmd', ['-port', String(epmdPort), '-address', '127.0.0.1'], { stdio: 'ignore' });
  await waitForPort(epmdPort);

  return superviseBroker({
    port,
    dir,
    start: async () => {
      const child = spawn('/usr/lib/rabbitmq/bin/rabbitmq-server', [], { env, stdio: 'ignore' });
      const exited = new Promise<never>((_, reject) => child.once('exit', (code) => reject(new Error(`rabbitmq-server exited (${code}) while booting; see ${dir}/log`))));
      await Promise.race([waitForPort(port, 120_000), exited]);
      return child;
    },
    cleanup: () => epmd.kill(),
  });
}
