import type { Clock } from '../clock.js';

/** Repeated authentication failures from one address get 429 for the rest of a time window. */
export interface AuthFailureLimiter {
  /** Whole seconds until this address may try again; 0 when it may now. */
  retryAfter(address: string | undefined): number;
  /** One failed authentication (401) from this address. */
  recordFailure(address: string | undefined): void;
}

export interface LimiterOptions {
  /** Failures allowed per address and window; 0 turns limiting off. */
  limit: number;
  windowMs: number;
  clock: Clock;
  /** Most addresses tracked at once; past it, expired windows are swept, then the oldest dropped. */
  maxAddresses?: number;
}

/**
 * Fixed windows per address, in memory (per replica: a guesser spread over replicas gets
 * `limit` tries on each). Only failures count, so a sender that authenticates is never slowed.
 */
export function createAuthFailureLimiter({ limit, windowMs, clock, maxAddresses = 10_000 }: LimiterOptions): AuthFailureLimiter {
  const windows = new Map<string, { start: number; failures: number }>();
  const current = (address: string) => {
    const w = windows.get(address);
    if (w && clock.now() - w.start < windowMs) return w;
    if (w) windows.delete(address);
    return undefined;
  };
  return {
    retryAfter(address) {
      if (limit === 0 || address === undefined) return 0;
      const w = current(address);
      if (!w || w.failures < limit) return 0;
      return Math.max(1, Math.ceil((w.start + windowMs - clock.now()) / 1000));
    },
    recordFailure(address) {
      if (limit === 0 || address === undefined) return;
      const w = current(address);
      if (w) {
        w.failures += 1;
        return;
      }
      if (windows.size >= maxAddresses) {
        const now = clock.now();
        for (const [key, value] of windows) if (now - value.start >= windowMs) windows.delete(key);
        // Still full: forget the oldest windows (Map keeps insertion order).
        for (const key of windows.keys()) {
          if (windows.size < maxAddresses) break;
          windows.delete(key);
        }
      }
      windows.set(address, { start: clock.now(), failures: 1 });
    },
  };
}
