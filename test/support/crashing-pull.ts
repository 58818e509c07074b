/**
 * A pull that kills its own process with SIGKILL at a chosen commit:
 *   before: its messages received, that commit not made;
 *   after:  that commit is durable, but no acknowledgement for it has left for the broker.
 * The commit is the first that writes rows or quarantine records (`first`, the default), the N-th
 * that stages rows (`stage:N`), or the one that publishes the pull's slice (`publish`).
 * Usage: tsx crashing-pull.ts <dataset> <before|after> [first|stage:N|publish] [auto|4|5] [pull options as JSON] [burst N]
 * (burst N: the first N messages reach the pull at once, see burst-session.ts)
 *        (DATABASE_URL in the environment)
 */
import type { SliceCommit } from '../../lib/ingest/ports';
import type { PullOptions } from '../../lib/ingest/pull-options';
import { runPollingIngest } from '../../lib/ingest/run-polling-ingest';
import { openStore } from '../../lib/store/open-store';
import { defaultWorkspaceKey } from '../../lib/datasets/dataset-key';
import { TEST_IDLE_MS } from './pull-timing';
import { burstSession } from './burst-session';

const [dataset, when, at = 'first', version = 'auto', options = '{}', burst] = process.argv.slice(2);
const store = await openStore({ databaseUrl: process.env.DATABASE_URL });
let stagings = 0;
function chosen(c: SliceCommit): boolean {
  if (c.stage) stagings++;
  if (at === 'publish') return c.slice !== undefined;
  if (at.startsWith('stage:')) return c.stage !== undefined && stagings === Number(at.slice('stage:'.length));
  return c.slice !== undefined || c.stage !== undefined || c.quarantine.length > 0;
}
const realCommit = store.ingest.commit.bind(store.ingest);
// Commits applied together (a pull's held batches with the one that publishes or stages them) are
// one transaction: chosen when any of them is.
store.ingest.commit = async (...cs) => {
  if (!cs.map(chosen).includes(true)) return realCommit(...cs);
  if (when === 'before') process.kill(process.pid, 'SIGKILL');
  await realCommit(...cs);
  const rows = cs.at(-1)?.slice?.rows.length ?? cs.reduce((n, c) => n + (c.stage?.rows.length ?? 0), 0);
  process.stdout.write(`committed ${rows}\n`);
  if (when === 'after') process.kill(process.pid, 'SIGKILL');
};
const protocolVersion = version === 'auto' ? 'auto' : (Number(version) as 4 | 5);
await runPollingIngest({ store: store.ingest, dataset: defaultWorkspaceKey(dataset), options: { idleTimeoutMs: TEST_IDLE_MS, protocolVersion, ...(JSON.parse(options) as Partial<PullOptions>) }, ...(burst ? { openSession: burstSession(Number(burst)) } : {}) });
await store.close();
