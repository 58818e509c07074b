/**
 * A pull that kills its own process with SIGKILL at a chosen point of its first commit:
 *   before: messages received, nothing committed;
 *   after:  the commit is durable, but no acknowledgement has left for the broker.
 * Usage: tsx crashing-pull.ts <dataset> <before|after>   (DATABASE_URL in the environment)
 */
import { runPollingIngest } from '../../lib/ingest/run-polling-ingest';
import { openStore } from '../../lib/store/open-store';
import { defaultWorkspaceKey } from '../../lib/datasets/dataset-key';

const [dataset, when] = process.argv.slice(2);
const store = await openStore({ databaseUrl: process.env.DATABASE_URL });
const realCommit = store.ingest.commit.bind(store.ingest);
store.ingest.commit = async (c) => {
  if (c.slice || c.quarantine.length) {
    if (when === 'before') process.kill(process.pid, 'SIGKILL');
    await realCommit(c);
    process.stdout.write(`committed ${c.slice?.rows.length ?? 0}\n`);
    if (when === 'after') process.kill(process.pid, 'SIGKILL');
    return;
  }
  await realCommit(c);
};
await runPollingIngest({ store: store.ingest, dataset: defaultWorkspaceKey(dataset), options: { idleTimeoutMs: 500 } });
await store.close();
