// Prints the vitest and Playwright JSON reports as one closing line: "N passed, N failed, N skipped".
// A missing report (its runner never ran or crashed) counts as one failure; so does a vitest
// file that fails to load, as it has no failed test.
import fs from 'node:fs';

let passed = 0;
let failed = 0;
let skipped = 0;
for (const file of process.argv.slice(2)) {
  if (!fs.existsSync(file)) {
    failed++;
    continue;
  }
  const r = JSON.parse(fs.readFileSync(file, 'utf8'));
  if (r.stats) {
    // Playwright: expected = passed, unexpected = failed, flaky passed on retry.
    passed += r.stats.expected + r.stats.flaky;
    failed += r.stats.unexpected + (r.errors?.length ?? 0);
    skipped += r.stats.skipped;
  } else {
    passed += r.numPassedTests;
    failed += r.numFailedTests || r.numFailedTestSuites;
    skipped += r.numPendingTests + (r.numTodoTests ?? 0);
  }
}
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
