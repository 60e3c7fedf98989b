import type { Clock } from '../clock.js';
import type { Outcome } from '../errors.js';
import type { Logger } from '../logger.js';
import type { AccessStore, ActivityCount, ActivityOutcome } from '../store/event-store.js';

export const HOUR_MS = 3_600_000;
/** The Activity chart's longest view is 30 days; the store keeps a day more. */
const KEEP_HOURS = 31 * 24;
/** How often a process adds its counts to the store's. */
export const FLUSH_EVERY_MS = 10_000;

/**
 * What a webhook request's outcome counts as on the chart: stored, a duplicate, quarantined, or
 * refused (any other answer the vendor got: a bad signature, a wrong address, too large...).
 * A request cut off by its sender, or failed by the store, is not a delivery the vendor made good.
 */
export function activityOutcome(outcome: Outcome): ActivityOutcome | null {
  switch (outcome) {
    case 'accepted':
      return 'stored';
    case 'duplicate':
      return 'duplicate';
    case 'invalid_json':
    case 'invalid_payload':
      return 'quarantined';
    case 'aborted':
    case 'store_unavailable':
    case 'internal_error':
      return null;
    default:
      return 'refused';
  }
}

export interface ActivityCounts {
  /** Counts one webhook request by its vendor and logged outcome, in this process (no I/O). */
  record(provider: string, outcome: Outcome): void;
  /** Adds what this process counted since the last flush to the store's counts. */
  flush(): Promise<void>;
  /** Flushes every FLUSH_EVERY_MS until stopped; the last flush happens in stop(). */
  start(): void;
  stop(): Promise<void>;
}

/**
 * Deliveries per hour, vendor and outcome, counted in memory and added to the store's counts every
 * few seconds (one upsert per hour, vendor and outcome), so a delivery costs no write of its own
 * and the counts of every replica add up. A crash loses at most the last few seconds of counts.
 */
export function createActivityCounts(access: AccessStore, clock: Clock, logger: Logger): ActivityCounts {
  let pending = new Map<string, ActivityCount>();
  let timer: NodeJS.Timeout | undefined;
  let flushing: Promise<void> = Promise.resolve();

  const flushOnce = async () => {
    if (pending.size === 0) return;
    const counts = [...pending.values()];
    pending = new Map();
    try {
      await access.addActivity(counts, Math.floor(clock.now() / HOUR_MS) - KEEP_HOURS);
    } catch (error) {
      // Kept for the next flush: the store may be back by then.
      for (const c of counts) add(c.hour, c.provider, c.outcome, c.count);
      logger.warn({ err: { message: (error as Error).message } }, 'could not store the activity counts; retrying at the next flush');
    }
  };
  const add = (hour: number, provider: string, outcome: ActivityOutcome, count: number) => {
    const key = `${hour}\n${provider}\n${outcome}`;
    const entry = pending.get(key);
    if (entry) entry.count += count;
    else pending.set(key, { hour, provider, outcome, count });
  };
  const flush = () => (flushing = flushing.then(flushOnce));

  return {
    record(provider, outcome) {
      const counted = activityOutcome(outcome);
      if (counted !== null) add(Math.floor(clock.now() / HOUR_MS), provider, counted, 1);
    },
    flush,
    start() {
      timer ??= setInterval(() => void flush(), FLUSH_EVERY_MS);
      timer.unref();
    },
    async stop() {
      clearInterval(timer);
      timer = undefined;
      await flush();
    },
  };
}
