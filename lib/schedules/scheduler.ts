import PgBoss from 'pg-boss';
import type { PullEnvironment } from '../config/pull-environment';
import { isSluiceError, messageLine } from '../errors';
import { pullUntilCaughtUp } from '../ingest/pull-until-caught-up';
import type { OpenMqttSession } from '../ingest/fetch/mqtt-session';
import type { Store } from '../store/open-store';
import { isDue } from './schedule-spec';

const TICK_QUEUE = 'sluice-schedule-tick';
const PULL_QUEUE = 'sluice-scheduled-pull';

export interface Scheduler {
  /** Queues a pull for every schedule that is due at `now`; returns how many were queued. */
  tick(now?: Date): Promise<number>;
  stop(): Promise<void>;
}

/**
 * Scheduled pulls on pg-boss, a job queue in Postgres, so any number of Sluice processes share the
 * work: pg-boss's cron fires one tick a minute across all of them; the tick queues a pull per due
 * dataset on a "stately" queue keyed by dataset (at most one waiting and one running per dataset),
 * and the pull's lease still guards against any other pull of the dataset (CLI, console).
 */
export async function startScheduler(opts: {
  store: Store;
  databaseUrl: string;
  log?: (line: string) => void;
  pollingSeconds?: number;
  /** The operator's SLUICE_PULL_ENV bindings (workerEnvironment); none: stored secrets only, as for the console's pulls. */
  environment?: PullEnvironment;
  /** How the pulls open their broker sessions (RunPollingIngestArgs.openSession). */
  openSession?: OpenMqttSession;
}): Promise<Scheduler> {
  const { store } = opts;
  const log = opts.log ?? ((line: string) => console.error(line));
  const boss = new PgBoss({ connectionString: opts.databaseUrl, schema: 'pgboss' });
  boss.on('error', (err) => log(`scheduler: ${messageLine(err)}`));
  await boss.start();
  await boss.createQueue(TICK_QUEUE, { name: TICK_QUEUE, policy: 'singleton' });
  await boss.createQueue(PULL_QUEUE, { name: PULL_QUEUE, policy: 'stately', retryLimit: 0, expireInSeconds: 15 * 60 });
  await boss.schedule(TICK_QUEUE, '* * * * *', {}, { tz: 'UTC' });

  const tick = async (now = new Date()) => {
    let queued = 0;
    for (const s of await store.schedules.listEnabled()) {
      if (!isDue(s.spec, s.lastRunAt, now)) continue;
      if (await boss.send(PULL_QUEUE, { datasetId: s.datasetId }, { singletonKey: s.datasetId })) queued++;
    }
    return queued;
  };

  const pull = async (datasetId: string) => {
    const s = await store.schedules.get(datasetId);
    if (!s?.enabled) return;
    const at = new Date();
    try {
      const r = await pullUntilCaughtUp({ store: store.ingest, dataset: s.dataset, environment: opts.environment?.(s.dataset), openSession: opts.openSession });
      await store.schedules.recordRun(datasetId, { at, outcome: r.status, rows: r.rowsCommitted });
      await store.activity.record({ workspaceId: s.dataset.workspaceId, actor: null, action: 'dataset.pull', target: s.dataset.name, detail: { schedule: true, rows: r.rowsCommitted } });
    } catch (err) {
      const skipped = isSluiceError(err, 'PULL_ALREADY_RUNNING');
      await store.schedules.recordRun(datasetId, { at, outcome: skipped ? 'skipped' : 'failed', error: messageLine(err) });
      if (!skipped) log(`scheduled pull of ${s.dataset.name} failed: ${messageLine(err)}`);
    }
  };

  await boss.work(TICK_QUEUE, async () => {
    await tick();
  });
  await boss.work<{ datasetId: string }>(PULL_QUEUE, { pollingIntervalSeconds: opts.pollingSeconds ?? 2 }, async ([job]) => pull(job.data.datasetId));
  return { tick, stop: () => boss.stop({ graceful: true, wait: true }) };
}
