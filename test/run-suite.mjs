// `npm test`: the type check, vitest (unit + integration) and Playwright, each run whatever the
// others gave, so one failing tier never hides another's results; exits non-zero if any failed.
// Old reports are removed first, so a tier that cannot run is not read as passed.
//
// The tiers overlap: vitest's integration files and Playwright's tests both mostly wait (on their
// brokers, databases, console and browser), and run one after the other they left ~40 % of the
// two cores idle (vmstat over a whole run). So the type check and then the console's production
// build run beside vitest, and Playwright starts beside it as soon as that build is done. Not
// niced: on a machine other jobs load (load 18+), a niced type check got ~6% of a core and was
// still running after 7 minutes. The build follows the type check, not alongside it: next build
// writes next-env.d.ts, which imports the route types it generates into the check; the check sees
// the checkout alone.
//
// Vitest's output is shown as it comes; Playwright's is held until vitest is done (the two would
// interleave line by line), or the suite is stopped, then follows live. The type check's and the build's are shown whole
// if they failed, else only their last line.
import { spawn } from 'node:child_process';
import fs from 'node:fs';

fs.rmSync('test-results/vitest.json', { force: true });
fs.rmSync('test-results/playwright.json', { force: true });

const started = Date.now();
const at = () => `${Math.round((Date.now() - started) / 1000)} s`;

/** Output held back until `release()`, then passed straight through. */
function heldOutput() {
  let held = '';
  let released = false;
  return {
    write: (chunk) => (released ? process.stdout.write(chunk) : (held += chunk)),
    release() {
      released = true;
      if (held) process.stdout.write(held);
      held = '';
    },
  };
}

/**
 * Runs a tier; resolves to a failure description or undefined. `output`: 'live' (inherited),
 * 'summary' (held; all of it if the tier failed, else its last line: next build's summary of its
 * time) or a heldOutput().
 */
function tier(name, [cmd, ...args], output = 'live') {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: output === 'live' ? 'inherit' : ['ignore', 'pipe', 'pipe'] });
    let text = '';
    const write = output === 'summary' ? (d) => (text += d) : output === 'live' ? undefined : output.write;
    child.stdout?.on('data', write);
    child.stderr?.on('data', write);
    child.once('error', (err) => resolve(`${name} (${err.message})`));
    child.once('close', (code, signal) => {
      const failed = code !== 0 ? `${name} (${signal ?? `exit ${code}`})` : undefined;
      const shown = failed ? text.trim() : text.trim().split('\n').pop();
      if (output === 'summary' && shown) console.log(`\n── ${name} ──\n${shown}\n`);
      console.log(`${name}: ${failed ? 'failed' : 'done'} at ${at()}`);
      resolve(failed);
    });
  });
}

const playwrightOutput = heldOutput();
// Stopped from outside (Ctrl+C, a CI timeout) while vitest runs: what Playwright wrote is shown, not lost.
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    playwrightOutput.release();
    process.kill(process.pid, signal);
  });
}
const ahead = tier('type check', ['npx', 'tsc', '--noEmit'], 'summary').then(async (typeCheck) => {
  const build = await tier('console build', [process.execPath, '--import', 'tsx', 'test/support/build-console.ts'], 'summary');
  return [typeCheck, build, await tier('playwright', ['npx', 'playwright', 'test'], playwrightOutput)];
});
const vitest = await tier('vitest', ['npx', 'vitest', 'run']);
playwrightOutput.release();
const failures = [vitest, ...(await ahead)].filter(Boolean);
if (failures.length) console.error(`\nfailed: ${failures.join(', ')}`);
process.exit(failures.length ? 1 : 0);
