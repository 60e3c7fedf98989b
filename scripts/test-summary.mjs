#!/usr/bin/env node
// Prints vitest's results as the plain closing line CI reads: "N passed, N failed, N skipped".
import { existsSync, readFileSync } from 'node:fs';

const file = process.argv[2] ?? '.vitest-results.json';
if (!existsSync(file)) {
  console.log('test results missing: vitest did not write its JSON report');
  console.log('0 passed, 1 failed');
  process.exit(1);
}
const r = JSON.parse(readFileSync(file, 'utf8'));
const skipped = (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
// A test file that fails before its tests run (an import error) has no failed tests: count it as one.
const brokenFiles = (r.testResults ?? []).filter((f) => f.status === 'failed' && !f.assertionResults.some((a) => a.status === 'failed'));
for (const f of brokenFiles) console.log(`test file failed to run: ${f.name}: ${(f.message ?? '').split('\n')[0]}`);
const failed = (r.numFailedTests ?? 0) + brokenFiles.length;
console.log(`${r.numPassedTests} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed > 0 || !r.success ? 1 : 0);
