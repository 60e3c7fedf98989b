import { createHash, timingSafeEqual } from 'node:crypto';

const digest = (value: string | Buffer) => createHash('sha256').update(value).digest();

/**
 * Constant-time equality for strings of any length: both sides are hashed first, so neither the
 * content nor the length of the expected value leaks through timing.
 */
export function timingSafeEqualText(actual: string | Buffer, expected: string | Buffer): boolean {
  return timingSafeEqual(digest(actual), digest(expected));
}

/** True when any candidate matches; every candidate is compared, so the time does not tell which. */
export function matchesAny(actual: string | Buffer, candidates: readonly (string | Buffer)[]): boolean {
  let found = false;
  for (const candidate of candidates) {
    if (timingSafeEqualText(actual, candidate)) found = true;
  }
  return found;
}
