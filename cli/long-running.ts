import path from 'node:path';
import type { Command } from 'commander';
import { openConfiguredStore } from './configured-store';
import { duration } from './option-parsers';
import { messageLine } from '../lib/errors';

/**
 * Commands that keep running until interrupted (the console, the worker, the embedded broker) and
 * `migrate`. Their modules (the store, next, aedes, level, the demo) load only when one of them
 * runs: they would multiply the start-up time of every other command.
 */
export function register(program: Command): void {
  program
    .command('start')
    .description('serve the console on the embedded default (embedded Postgres, broker, demo device)')
    .option('--port <port>', 'web port', (v) => Number(v), Number(process.env.PORT ?? 3000))
    .option('--host <host>', 'web address', '127.0.0.1')
    .action(async (opts: { port: number; host: string }) => (await import('./start-console')).startConsole(opts));

  program
    .command('serve')
    .description('serve the console only (DATABASE_URL, SLUICE_SECRET_KEY); `start` runs it for the embedded default')
    .option('--port <port>', 'web port', (v) => Number(v), Number(process.env.PORT ?? 3000))
    .option('--host <host>', 'web address', '127.0.0.1')
    .option('--dev', 'Next.js development mode (hot reload)')
    .option('--no-worker', 'do not run scheduled pulls in this process (run `sluice worker` instead)')
    .option('--no-devices', 'do not run the device endpoint in this process (SLUICE_DEVICE_PORT, SLUICE_DEVICE_WS_PORT, SLUICE_DEVICE_TLS_*)')
    .option('--request-timeout <duration>', 'drop a request not received whole within this long (e.g. 30s; raise it for devices pushing large bodies over slow links)', duration, 30_000)
    .action(async (opts: { port: number; host: string; dev?: boolean; worker: boolean; devices: boolean; requestTimeout: number }) => {
      const server = await (await import('./web-server')).serveConsole(opts);
      await untilSignal();
      await server.stop();
      process.exit(0);
    });

  program
    .command('worker')
    .description('run scheduled pulls, stream always-on datasets and fold device inboxes without the web server (any number of workers share them)')
    .action(async () => {
      const store = await openConfiguredStore();
      const [{ readEnv }, { installRecordedBrokerPolicy }, { workerEnvironment }] = await Promise.all([
        import('../lib/config/env'),
        import('../lib/brokers/active-broker-policy'),
        import('../lib/config/pull-environment'),
      ]);
      // The console may restart with sign-up opened while this worker runs: its record is read
      // again every half minute, so schedules and always-on pulls never judge brokers looser for long.
      const env = readEnv();
      const policyRefresh = setInterval(() => void installRecordedBrokerPolicy(store, env).catch((err: unknown) => console.error(`sluice worker: the broker policy was not re-read: ${messageLine(err)}`)), 30_000);
      const { startScheduler } = await import('../lib/schedules/scheduler');
      const { startInboxFolder } = await import('../lib/ingest/inbox-folder');
      const { startAlwaysOnRunner } = await import('../lib/ingest/always-on-runner');
      const { openThreadedMqttSession: openSession } = await import('../lib/ingest/fetch/threaded-mqtt-session');
      const log = (line: string) => console.error(line);
      const environment = await workerEnvironment(process.env, env.SLUICE_PULL_ENV, store.workspaces, log);
      const scheduler = await startScheduler({ store, databaseUrl: store.databaseUrl, log, environment, openSession });
      const folder = startInboxFolder({ store: store.ingest, log });
      const streams = startAlwaysOnRunner({ store: store.ingest, log, environment, openSession });
      console.error('sluice worker: running scheduled pulls, always-on datasets and folding device inboxes (Ctrl+C to stop)');
      await untilSignal();
      clearInterval(policyRefresh);
      await streams.stop();
      await folder.stop();
      await scheduler.stop();
      await store.close();
    });

  program
    .command('migrate')
    .description('apply pending database migrations (DATABASE_URL or the embedded database)')
    .action(async () => {
      const store = await openConfiguredStore();
      await store.close();
      console.log('database is up to date');
    });

  program
    .command('broker')
    .description('run the embedded MQTT broker (TCP and WebSocket listeners; sessions and retained messages persist)')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--port <port>', 'MQTT/TCP port', (v) => Number(v), 1883)
    .option('--ws-port <port>', 'MQTT-over-WebSocket port', (v) => Number(v), 8083)
    .option('--no-port-fallback', 'fail instead of taking a free port when a port is in use')
    .option('--memory', 'keep sessions and retained messages in memory only')
    .action(async (opts: { host: string; port: number; wsPort: number; portFallback: boolean; memory?: boolean }) => {
      const [{ readEnv }, { defaultDataDir }, { startEmbeddedBroker }] = await Promise.all([
        import('../lib/config/env'),
        import('../lib/store/connect-store'),
        import('../lib/broker/embedded-broker'),
      ]);
      const env = readEnv();
      const broker = await startEmbeddedBroker({
        host: opts.host,
        port: opts.port,
        wsPort: opts.wsPort,
        portFallback: opts.portFallback,
        dataDir: opts.memory ? undefined : path.join(env.SLUICE_DATA_DIR ?? defaultDataDir(), 'broker'),
        log: (line) => console.error(line),
      });
      await untilSignal();
      await broker.close();
    });
}

function untilSignal(): Promise<void> {
  return new Promise((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
}
