// Prints vitest's JSON report as one closing line: "N passed, N failed, N skipped".
// A test file that fails to load has no failed test, so it counts as one failure.
import fs from 'node:fs';

const file = process.argv[2];
if (!fs.existsSync(file)) {
  console.log('0 passed, 1 failed');
} else {
  const r = JSON.parse(fs.readFileSync(file, 'utf8'));
  const failed = r.numFailedTests || r.numFailedTestSuites;
  console.log(`${r.numPassedTests} passed, ${failed} failed, ${r.numPendingTests + (r.numTodoTests ?? 0)} skipped`);
}
