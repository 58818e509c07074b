import 'server-only';
import { randomUUID } from 'node:crypto';
import { isSluiceError, SluiceError } from '../errors';
import { describeQosDowngrades } from '../ingest/delivery-guarantee';
import { pullUntilCaughtUp } from '../ingest/pull-until-caught-up';
import type { PullCounters } from '../ingest/ports';
import type { PullStage } from '../ingest/run-polling-ingest';
import type { Store } from '../store/open-store';
import type { DatasetKey } from '../datasets/dataset-key';

/** A console-started pull (until caught up) as the browser follows it. */
export interface PullRunState extends PullCounters {
  id: string;
  /** The dataset's workspace (id, and slug as the guard saw it) and name. */
  workspaceId: string;
  workspace: string;
  dataset: string;
  stage: PullStage | 'failed';
  pulls: number;
  startedAt: string;
  endedAt: string | null;
  outcome: 'updated' | 'up_to_date' | null;
  /** The broker holds messages it redelivers later (see pending-at-broker.ts): not caught up. */
  pending: string | null;
  /** What the broker's lower QoS grants mean for the dataset, one sentence per filter. */
  notes: string[];
  error: { code: string; message: string } | null;
}

type Listener = (state: PullRunState) => void;

interface Run {
  state: PullRunState;
  listeners: Set<Listener>;
}

/** Finished runs stay readable this long, for a page that subscribes late. */
const KEEP_FINISHED_MS = 10 * 60_000;

const registry = globalThis as unknown as { sluicePullRuns?: Map<string, Run> };
const runs = (registry.sluicePullRuns ??= new Map());

/**
 * Starts pulling a dataset until its backlog is drained, in the background of this server process,
 * and resolves once the pull holds the dataset's lease (or failed to get it), so a second "Pull"
 * gets PULL_ALREADY_RUNNING at once. The lease, not this registry, guards across processes.
 */
export async function startPullRun(store: Store, workspace: { id: string; slug: string }, dataset: DatasetKey): Promise<PullRunState> {
  const running = findRunningPull(dataset);
  if (running) throw new SluiceError('PULL_ALREADY_RUNNING', `a pull of "${dataset.name}" is already running (started ${running.startedAt}); its progress is shown`);
  const state: PullRunState = {
    id: randomUUID(),
    workspaceId: dataset.workspaceId,
    workspace: workspace.slug,
    dataset: dataset.name,
    stage: 'connecting',
    pulls: 0,
    messagesReceived: 0,
    rowsCommitted: 0,
    quarantined: 0,
    duplicates: 0,
    slices: 0,
    startedAt: new Date().toISOString(),
    endedAt: null,
    outcome: null,
    pending: null,
    notes: [],
    error: null,
  };
  const run: Run = { state, listeners: new Set() };
  runs.set(state.id, run);

  let started!: () => void;
  const holdsLease = new Promise<void>((resolve) => (started = resolve));
  const publish = (patch: Partial<PullRunState>) => {
    run.state = { ...run.state, ...patch };
    for (const l of run.listeners) l(run.state);
  };
  const finished = pullUntilCaughtUp({
    store: store.ingest,
    dataset,
    onProgress: (p) => {
      publish(p);
      // The pull holds the dataset's lease once it reports that it is connecting.
      if (p.stage === 'connecting') started();
    },
  }).then(
    async (r) => {
      const ds = r.qosDowngrades.length ? await store.datasets.find(dataset) : undefined;
      const notes = ds ? describeQosDowngrades(ds.snapshot, r.qosDowngrades) : [];
      publish({ stage: 'done', endedAt: new Date().toISOString(), outcome: r.status, pending: r.pending?.reason ?? null, notes, pulls: r.pulls, messagesReceived: r.messagesReceived, rowsCommitted: r.rowsCommitted, quarantined: r.quarantined, duplicates: r.duplicates, slices: r.slices });
    },
    (err: unknown) => {
      const e = isSluiceError(err) ? { code: err.code, message: err.message } : { code: 'INTERNAL', message: 'the pull failed on the server; the error was logged' };
      if (!isSluiceError(err)) console.error(err);
      publish({ stage: 'failed', endedAt: new Date().toISOString(), error: e });
      started();
    },
  );
  void finished.finally(() => setTimeout(() => runs.delete(state.id), KEEP_FINISHED_MS).unref());
  await holdsLease;
  if (run.state.error?.code === 'PULL_ALREADY_RUNNING') {
    runs.delete(state.id);
    throw new SluiceError('PULL_ALREADY_RUNNING', run.state.error.message);
  }
  return run.state;
}

export function getPullRun(id: string): PullRunState | undefined {
  return runs.get(id)?.state;
}

/** The running console pull of a dataset in this process, if any. */
export function findRunningPull(dataset: DatasetKey): PullRunState | undefined {
  for (const run of runs.values()) if (run.state.workspaceId === dataset.workspaceId && run.state.dataset === dataset.name && run.state.endedAt === null) return run.state;
  return undefined;
}

/** Calls `listener` on every change of the run until the returned function is called. */
export function watchPullRun(id: string, listener: Listener): () => void {
  const run = runs.get(id);
  if (!run) return () => {};
  run.listeners.add(listener);
  return () => run.listeners.delete(listener);
}
