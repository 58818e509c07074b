// The console's production build, as Playwright's global setup makes it (the same content digest
// decides whether it is current), run ahead by test/run-suite.mjs while vitest runs.
import path from 'node:path';
import { ensureConsoleBuild } from '../../cli/console-build';

await ensureConsoleBuild(path.resolve(import.meta.dirname, '../..'), { ...process.env, NEXT_TELEMETRY_DISABLED: '1' });
