// `npm test`: the type check, vitest (unit + integration) and Playwright, each run whatever the
// others gave, so one failing tier never hides another's results; exits non-zero if any failed.
// Old reports are removed first, so a tier that cannot run is not read as passed.
//
// vitest's integration files mostly wait on their brokers and databases, so the type check and
// then the console's production build (what Playwright's global setup would otherwise start with)
// run beside it. Not niced: on a machine other jobs load (load 18+), a niced type check got ~6% of
// a core and was still running after 7 minutes. The build follows the type check, not alongside
// it: next build writes next-env.d.ts, which imports the route types it generates into the check;
// the check sees the checkout alone. Playwright starts once all three are done: it and vitest
// each load both cores.
import { spawn } from 'node:child_process';
import fs from 'node:fs';

fs.rmSync('test-results/vitest.json', { force: true });
fs.rmSync('test-results/playwright.json', { force: true });

const started = Date.now();
const at = () => `${Math.round((Date.now() - started) / 1000)} s`;

/**
 * Runs a tier; resolves to a failure description or undefined. A `background` tier's output is
 * held so it does not interleave with vitest's: all of it if the tier failed, else its last line
 * (next build's summary of its time).
 */
function tier(name, [cmd, ...args], { background = false } = {}) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: background ? ['ignore', 'pipe', 'pipe'] : 'inherit' });
    let output = '';
    if (background) {
      child.stdout.on('data', (d) => (output += d));
      child.stderr.on('data', (d) => (output += d));
    }
    child.once('error', (err) => resolve(`${name} (${err.message})`));
    child.once('close', (code, signal) => {
      const failed = code !== 0 ? `${name} (${signal ?? `exit ${code}`})` : undefined;
      const shown = failed ? output.trim() : output.trim().split('\n').pop();
      if (background && shown) console.log(`\n── ${name} ──\n${shown}\n`);
      console.log(`${name}: ${failed ? 'failed' : 'done'} at ${at()}`);
      resolve(failed);
    });
  });
}

const ahead = tier('type check', ['npx', 'tsc', '--noEmit'], { background: true }).then(async (typeCheck) => [
  typeCheck,
  await tier('console build', [process.execPath, '--import', 'tsx', 'test/support/build-console.ts'], { background: true }),
]);
const vitest = tier('vitest', ['npx', 'vitest', 'run']);
const failed = [...(await ahead), await vitest];
failed.push(await tier('playwright', ['npx', 'playwright', 'test']));

const failures = failed.filter(Boolean);
if (failures.length) console.error(`\nfailed: ${failures.join(', ')}`);
process.exit(failures.length ? 1 : 0);
