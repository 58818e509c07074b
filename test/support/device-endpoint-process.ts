/**
 * The device endpoint as a process of its own, for tests that SIGKILL it. It opens the store, writes
 * `ready`, and starts listening when a line comes on stdin (so a test can have the next process
 * warm while the current one runs), then writes `listening <port>`. Its per-address limits are
 * raised as for a load test (every device of a test connects from 127.0.0.1 at once after a restart).
 * Usage: node --import tsx device-endpoint-process.ts <port> (or bundled, as the crash test runs it)
 *        (DATABASE_URL in the environment)
 */
import readline from 'node:readline';
import { startDeviceEndpoint } from '../../lib/device-endpoint/device-endpoint';
import { connectStore } from '../../lib/store/connect-store';

// The test migrated the database: a restart skips looking at migrations.
const store = await connectStore({ databaseUrl: process.env.DATABASE_URL });
await store.devices.pushTargets('default'); // the first query's connection and Prisma's start, before the go
process.stdout.write('ready\n');
await new Promise((resolve) => readline.createInterface({ input: process.stdin }).once('line', resolve));
const endpoint = await startDeviceEndpoint({
  store: store.devices,
  port: Number(process.argv[2]),
  wsPort: 0,
  limits: { unauthenticatedPerAddress: 1000 },
  failedAuth: { max: 1000, windowMs: 60_000, concurrent: 1000 },
});
process.stdout.write(`listening ${endpoint.port}\n`);
