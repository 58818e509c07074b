// `npm test`: the type check, vitest (unit + integration) and Playwright, each run whatever the
// previous one gave, so one failing tier never hides another's results; exits non-zero if any
// failed. Old reports are removed first, so a tier that cannot run is not read as passed.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';

fs.rmSync('test-results/vitest.json', { force: true });
fs.rmSync('test-results/playwright.json', { force: true });

const tiers = [
  ['type check', ['npx', 'tsc', '--noEmit']],
  ['vitest', ['npx', 'vitest', 'run']],
  ['playwright', ['npx', 'playwright', 'test']],
];
const failed = [];
for (const [name, [cmd, ...args]] of tiers) {
  const r = spawnSync(cmd, args, { stdio: 'inherit' });
  if (r.status !== 0) failed.push(`${name} (${r.signal ?? `exit ${r.status}`})`);
}
if (failed.length) console.error(`\nfailed: ${failed.join(', ')}`);
process.exit(failed.length ? 1 : 0);
