// Prints the vitest and Playwright JSON reports as one closing line: "N passed, N failed, N skipped",
// then each failed test by file and name with the first line of its error: CI keeps only the end
// of the output, and a failure it does not name cannot be found again.
// A missing report (its runner never ran or crashed) counts as one failure; so does a vitest
// file that fails to load, as it has no failed test.
import fs from 'node:fs';
import path from 'node:path';

let passed = 0;
let failed = 0;
let skipped = 0;
const failures = [];
const firstLine = (text) => (text ?? '').replace(/\x1b\[[0-9;]*m/g, '').trim().split('\n')[0].slice(0, 300);

/** Playwright's suites nest; a spec's tests hold one result per attempt. */
function playwrightFailures(suite, file) {
  for (const spec of suite.specs ?? []) {
    for (const test of spec.tests ?? []) {
      if (test.status !== 'unexpected') continue;
      const last = test.results?.at(-1);
      failures.push(`${spec.file ?? file}:${spec.line} › ${spec.title} — ${firstLine(last?.error?.message)}`);
    }
  }
  for (const child of suite.suites ?? []) playwrightFailures(child, suite.file ?? file);
}

for (const file of process.argv.slice(2)) {
  if (!fs.existsSync(file)) {
    failed++;
    failures.push(`${file}: no report (the runner did not finish)`);
    continue;
  }
  const r = JSON.parse(fs.readFileSync(file, 'utf8'));
  if (r.stats) {
    // Playwright: expected = passed, unexpected = failed, flaky passed on retry.
    passed += r.stats.expected + r.stats.flaky;
    failed += r.stats.unexpected + (r.errors?.length ?? 0);
    skipped += r.stats.skipped;
    for (const suite of r.suites ?? []) playwrightFailures(suite, suite.file);
    for (const error of r.errors ?? []) failures.push(`playwright: ${firstLine(error.message)}`);
  } else {
    passed += r.numPassedTests;
    failed += r.numFailedTests || r.numFailedTestSuites;
    skipped += r.numPendingTests + (r.numTodoTests ?? 0);
    for (const result of r.testResults ?? []) {
      const where = path.relative(process.cwd(), result.name);
      const failedTests = (result.assertionResults ?? []).filter((t) => t.status === 'failed');
      for (const t of failedTests) failures.push(`${where} › ${t.fullName} — ${firstLine(t.failureMessages?.[0])}`);
      if (!failedTests.length && result.status === 'failed') failures.push(`${where} — ${firstLine(result.message)}`);
    }
  }
}
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
for (const f of failures) console.log(`  ✗ ${f}`);
