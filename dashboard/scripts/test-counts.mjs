// Print one `<suite>: N passed, N failed` line per test report, for CI to read:
//   node scripts/test-counts.mjs vitest test-results/vitest.json playwright test-results/playwright.json
// Exits 1 when a report is missing (its runner did not finish) or shows a failure.
import { existsSync, readFileSync } from "node:fs";

const COUNTERS = {
  // Vitest's JSON reporter (Jest's shape). A file that failed to load has no tests but fails.
  vitest(report) {
    const brokenFiles = report.testResults.filter(
      (file) => file.status === "failed" && file.assertionResults.length === 0,
    ).length;
    return { passed: report.numPassedTests, failed: report.numFailedTests + brokenFiles };
  },
  // Playwright's JSON reporter. Errors outside tests (global setup) count as failures.
  playwright(report) {
    const { expected, unexpected, flaky } = report.stats;
    return { passed: expected + flaky, failed: unexpected + (report.errors?.length ?? 0) };
  },
};

const args = process.argv.slice(2);
if (args.length === 0 || args.length % 2 !== 0) {
  console.error("usage: node scripts/test-counts.mjs <vitest|playwright> <report.json> ...");
  process.exit(2);
}

let ok = true;
for (let i = 0; i < args.length; i += 2) {
  const [suite, file] = [args[i], args[i + 1]];
  const count = COUNTERS[suite];
  if (!count) {
    console.error(`unknown suite ${suite}; expected one of: ${Object.keys(COUNTERS).join(", ")}`);
    process.exit(2);
  }
  if (!existsSync(file)) {
    console.error(`${suite}: no report at ${file}; the runner did not finish`);
    ok = false;
    continue;
  }
  const { passed, failed } = count(JSON.parse(readFileSync(file, "utf8")));
  console.log(`${suite}: ${passed} passed, ${failed} failed`);
  ok &&= failed === 0;
}
process.exit(ok ? 0 : 1);
