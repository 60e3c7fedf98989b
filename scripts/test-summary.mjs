#!/usr/bin/env node
// Prints vitest's results as the plain closing line CI reads: "N passed, N failed[, N skipped]".
// Usage: test-summary.mjs REPORT.json [REPORT.json ...] [--since EPOCH_MS] [--exit EXIT_CODE]
// Several reports (the test suite and the reliability suite) are added up into one line.
import { existsSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

const { values, positionals } = parseArgs({ options: { since: { type: 'string' }, exit: { type: 'string' } }, allowPositionals: true });
const files = positionals.length > 0 ? positionals : ['.vitest-results.json'];
const fail = (why) => {
  console.log(why);
  console.log('0 passed, 1 failed');
  process.exit(1);
};

let passed = 0;
let failed = 0;
let skipped = 0;
let allSucceeded = true;
for (const file of files) {
  if (!existsSync(file)) fail(`test results missing: vitest did not write ${file}`);
  const r = JSON.parse(readFileSync(file, 'utf8'));
  if (values.since && r.startTime < Number(values.since)) fail(`test results are stale: ${file} is from an earlier run`);
  // A test file that fails before its tests run (an import error) has no failed tests: count it as one.
  const brokenFiles = (r.testResults ?? []).filter((f) => f.status === 'failed' && !f.assertionResults.some((a) => a.status === 'failed'));
  for (const f of brokenFiles) console.log(`test file failed to run: ${f.name}: ${(f.message ?? '').split('\n')[0]}`);
  passed += r.numPassedTests ?? 0;
  failed += (r.numFailedTests ?? 0) + brokenFiles.length;
  skipped += (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
  allSucceeded &&= r.success;
}
const exit = values.exit === undefined ? 0 : Number(values.exit);
if (failed === 0 && (exit !== 0 || !allSucceeded)) {
  console.log(`a test run failed (exit ${exit}, e.g. unhandled errors) with no failed test: counted as one failure`);
  failed = 1;
}
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed > 0 ? 1 : 0);
