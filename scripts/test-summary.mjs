// Prints one closing line for the whole suite from the vitest and Playwright JSON reports:
//   node scripts/test-summary.mjs VITEST.json... PLAYWRIGHT.json  (the last one is Playwright's)
import fs from "node:fs";

let passed = 0;
let failed = 0;
let skipped = 0;
const files = process.argv.slice(2);
const playwright = files.pop();
for (const vitest of files) {
  if (!vitest || !fs.existsSync(vitest)) continue;
  const r = JSON.parse(fs.readFileSync(vitest, "utf8"));
  passed += r.numPassedTests ?? 0;
  failed += r.numFailedTests ?? 0;
  if ((r.numFailedTestSuites ?? 0) > 0 && (r.numFailedTests ?? 0) === 0) failed += r.numFailedTestSuites;
  skipped += (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
}
if (playwright && fs.existsSync(playwright)) {
  const r = JSON.parse(fs.readFileSync(playwright, "utf8"));
  passed += r.stats?.expected ?? 0;
  failed += (r.stats?.unexpected ?? 0) + (r.stats?.flaky ?? 0);
  skipped += r.stats?.skipped ?? 0;
}
console.log(`summary: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}`);
process.exit(failed > 0 ? 1 : 0);
