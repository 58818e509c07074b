/**
 * The device endpoint as a process of its own, for tests that SIGKILL it: it writes
 * `listening <port>` once devices can connect. Its per-address limits are raised as for a load
 * test (every device of a test connects from 127.0.0.1 at once after a restart).
 * Usage: node --import tsx device-endpoint-process.ts <port> (or bundled, as the crash test runs it)   (DATABASE_URL in the environment)
 */
import { startDeviceEndpoint } from '../../lib/device-endpoint/device-endpoint';
import { connectStore } from '../../lib/store/connect-store';

// The test migrated the database: a restart skips looking at migrations.
const store = await connectStore({ databaseUrl: process.env.DATABASE_URL });
const endpoint = await startDeviceEndpoint({
  store: store.devices,
  port: Number(process.argv[2]),
  wsPort: 0,
  limits: { unauthenticatedPerAddress: 1000 },
  failedAuth: { max: 1000, windowMs: 60_000, concurrent: 1000 },
});
process.stdout.write(`listening ${endpoint.port}\n`);
