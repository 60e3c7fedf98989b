/** RELIABILITY_SHORT=1 (CI): the same tests, smaller; the full run is `npm run test:reliability`. */
export const SHORT = process.env.RELIABILITY_SHORT === '1';

import { appendFileSync } from 'node:fs';
import path from 'node:path';

/** Figures each test reports: printed, and appended to .reliability-figures.jsonl for RELIABILITY.md. */
export function report(test: string, figures: Record<string, number | string>): void {
  const line = JSON.stringify({ test, short: SHORT, at: new Date().toISOString(), ...figures });
  process.stdout.write(`RELIABILITY ${line}\n`);
  appendFileSync(path.resolve(import.meta.dirname, '..', '.reliability-figures.jsonl'), `${line}\n`);
}
