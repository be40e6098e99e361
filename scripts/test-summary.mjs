// Prints the plain closing line "N passed, N failed" from Vitest's JSON report, so CI logs say what ran.
import { readFileSync } from 'node:fs';

const file = process.argv[2] ?? '.tmp/vitest.json';
const r = JSON.parse(readFileSync(file, 'utf8'));
const skipped = (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
console.log(`vitest: ${r.numPassedTests} passed, ${r.numFailedTests} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exitCode = r.numFailedTests === 0 && r.numTotalTests > 0 && r.success !== false ? 0 : 1;
