// Prints `tests: N passed, N failed[, N skipped]` summed over vitest JSON reports (CI reads
// this line). Failed counts failed tests plus test files that failed without a failed test
// (an import error, a failing hook); vitest's numFailedTestSuites counts describe blocks
// too, so it is not added. A missing or unreadable report counts as one failure.
import { readFileSync } from 'node:fs';

let passed = 0;
let failed = 0;
let skipped = 0;
for (const path of process.argv.slice(2)) {
  try {
    const report = JSON.parse(readFileSync(path, 'utf8'));
    let failedHere = report.numFailedTests ?? 0;
    for (const file of report.testResults ?? []) {
      const failedTests = (file.assertionResults ?? []).filter((test) => test.status === 'failed').length;
      if (file.status === 'failed' && failedTests === 0) {
        console.error(`test file failed outside its tests: ${file.name}\n${file.message ?? ''}`);
        failedHere += 1;
      }
    }
    if (report.success === false && failedHere === 0) failedHere = 1;
    passed += report.numPassedTests ?? 0;
    failed += failedHere;
    skipped += (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
  } catch (error) {
    console.error(`could not read the test report ${path}: ${error.message}`);
    failed += 1;
  }
}
console.log(`tests: ${passed} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ''}`);
process.exitCode = failed > 0 ? 1 : 0;
