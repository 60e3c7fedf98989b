import { randomUUID } from 'node:crypto';
import type { TimerClock } from '../clock.js';
import type { Logger } from '../logger.js';
import type { Outbox, OutboxItem } from '../store/event-store.js';
import { failureText, RetryLater, type Target } from './target.js';

export interface RelayOptions {
  outbox: Outbox;
  targets: Target[];
  /** The waits (poll, backoff, a blocked head) run on its timers; a poke is gathered for 20 ms of real time. */
  clock: TimerClock;
  logger: Logger;
  /** Each attempt is cut off after this long (FORWARD_TIMEOUT_MS); leases are sized from it. */
  timeoutMs: number;
  backoffMaxMs: number;
  maxAttempts: number;
  maxAgeMs: number;
  /** How often an idle relay looks for due items (new ones from this process wake it at once). */
  pollMs?: number;
  /** Items taken per look. */
  batch?: number;
  onDelivered?: (sink: string) => void;
  onFailed?: (sink: string) => void;
  random?: () => number;
}

export interface Relay {
  /** Something was stored: look now rather than at the next poll. */
  poke(): void;
  /** Finishes (or aborts) the attempts in flight, gives the leases up, closes the targets. */
  stop(): Promise<void>;
}

/** While a queue's head waits for its retry, the queue is looked at this often at most. */
const BLOCKED_LOOK_MS = 5000;

/** A poke (new events stored) is answered this much later, so a burst of commits makes one look. */
const POKE_GATHER_MS = 20;

/** The first retry comes after about this long; each failure doubles it, up to FORWARD_BACKOFF_MAX_MS. */
export const BACKOFF_BASE_MS = 1000;

/** Exponential backoff with jitter: between half and all of min(cap, base × 2^(attempt-1)). */
export function backoffMs(attempt: number, maxMs: number, random: () => number = Math.random): number {
  const ceiling = Math.min(maxMs, BACKOFF_BASE_MS * 2 ** Math.min(attempt - 1, 30));
  return Math.round(ceiling * (0.5 + random() / 2));
}

/**
 * Drains the outbox into each target, one loop per target. A loop delivers only while it holds
 * the target's lease, so among replicas each item is in flight from one process at a time; the
 * lease is renewed before any attempt that might outlast it, and one left by a dead process
 * expires and is taken over. A failure is retried with backoff; past FORWARD_MAX_ATTEMPTS or
 * FORWARD_MAX_AGE the item is parked, and the queue goes on.
 */
export function startRelay(options: RelayOptions): Relay {
  const { outbox, clock, logger } = options;
  const owner = randomUUID();
  const pollMs = options.pollMs ?? 250;
  const batch = options.batch ?? 100;
  // An attempt never starts with less than this much lease left.
  const margin = options.timeoutMs + 5000;
  const leaseMs = 2 * margin;
  const random = options.random ?? Math.random;
  const aborter = new AbortController();
  let stopping = false;
  /** Sleeping loops: each wake function, and whether a poke may wake it (stop wakes all). */
  const wakers = new Map<() => void, boolean>();
  /** Until when this process holds each sink's lease (as far as it knows). */
  const leases = new Map<string, number>();

  /** Waits `ms`; a poke (something new was stored) ends the wait early only when `pokable`. */
  const sleep = (ms: number, pokable: boolean) =>
    new Promise<void>((resolve) => {
      const wake = () => {
        timer.cancel();
        wakers.delete(wake);
        resolve();
      };
      // On the injected clock: a test advances it instead of waiting.
      const timer = clock.setTimer(wake, ms);
      wakers.set(wake, pokable);
    });

  /**
   * Records an attempt that did not deliver (with `delivered`, those before it) and when to try
   * again; returns that time, or undefined when the item is now parked. RetryLater (the answer is
   * not there yet) is not a failure: it counts toward the item's age limit only.
   */
  const fail = async (target: Target, item: OutboxItem, delivered: string[], error: unknown) => {
    const now = clock.now();
    const attempt = item.attempts + 1;
    const later = error instanceof RetryLater;
    const reason = failureText(error);
    const tooOld = now - item.queuedAt >= (target.maxAgeMs ?? options.maxAgeMs);
    const park = tooOld || (!later && attempt >= options.maxAttempts);
    const retryInMs = later ? error.delayMs : backoffMs(attempt, options.backoffMaxMs, random);
    const line = { sink: target.name, eventId: item.event.id, seq: item.seq, attempt, reason };
    if (!later) options.onFailed?.(target.name);
    try {
      await outbox.settle(target.name, {
        delivered,
        failed: { seq: item.seq, error: reason, at: now, nextAttemptAt: now + retryInMs, park, failure: !later },
      });
    } finally {
      // After the outbox says so (what the line says is what ops then see), and even if it could not.
      if (park) logger.error({ ...line, parked: true }, `${target.verb} failed; parked (ine-webhooks redrive sends it again)`);
      else if (later) logger.info({ ...line, retryInMs }, `${target.verb}: not ready yet; will look again`);
      else logger.warn({ ...line, retryInMs }, `${target.verb} failed; will retry`);
    }
    return park ? undefined : now + retryInMs;
  };

  /**
   * One look at a target's queue: `progress` when something was delivered (look again at once);
   * `retryAt` when an ordered queue's head failed and nothing behind it may go before then.
   */
  const drainOnce = async (target: Target): Promise<{ progress: boolean; retryAt?: number | undefined }> => {
    let now = clock.now();
    /** Takes or renews the lease when less than `margin` of it is left; false when another process holds it. */
    const holdLease = async () => {
      if ((leases.get(target.name) ?? 0) - now >= margin) return true;
      const taken = await outbox.lease(target.name, owner, now, now + leaseMs);
      leases.set(target.name, taken ? now + leaseMs : 0);
      return taken;
    };
    // A look at the head first (one row): a queue waiting for its head's retry costs no more.
    if ((await outbox.due(target.name, now, 1, target.ordered)).length === 0) return { progress: false };
    if (!(await holdLease())) return { progress: false };
    // Read after taking the lease: the previous holder may have delivered some meanwhile.
    const items = await outbox.due(target.name, now, batch, target.ordered);
    const delivered: string[] = [];
    let progress = false;
    let retryAt: number | undefined;
    let next = 0;
    // Ordered: one item at a time, stopping at a failure. Unordered: `concurrency` at once.
    const lane = async () => {
      while (next < items.length && !stopping && retryAt === undefined) {
        const item = items[next++]!;
        now = clock.now();
        if (!(await holdLease())) return;
        try {
          await target.deliver(item, aborter.signal);
        } catch (error) {
          if (stopping) return;
          const at = await fail(target, item, delivered.splice(0), error);
          // A failed head holds an ordered queue back until its retry; a parked one no longer does.
          if (target.ordered && at !== undefined) retryAt = at;
          continue;
        }
        delivered.push(item.seq);
        progress = true;
        options.onDelivered?.(target.name);
      }
    };
    await Promise.all(Array.from({ length: target.ordered ? 1 : (target.concurrency ?? 1) }, lane));
    if (delivered.length > 0) await outbox.settle(target.name, { delivered });
    return { progress, retryAt: target.ordered && !progress ? retryAt : undefined };
  };

  const loop = async (target: Target) => {
    let outboxDown = false;
    while (!stopping) {
      let look: Awaited<ReturnType<typeof drainOnce>> = { progress: false };
      try {
        look = await drainOnce(target);
        if (outboxDown) logger.info({ sink: target.name }, `${target.verb} resumed: the outbox is readable again`);
        outboxDown = false;
      } catch (error) {
        // The store is down: intake says so with 503s; the relay waits and tries again.
        if (!outboxDown)
          logger.warn({ sink: target.name, reason: (error as Error).message }, `${target.verb} paused: the outbox is unavailable`);
        outboxDown = true;
      }
      if (look.progress || stopping) continue;
      // A head waiting for its retry holds the queue back: new events need not wake the loop (a
      // look every few seconds still sees a redrive made by another process).
      if (look.retryAt !== undefined) await sleep(Math.min(Math.max(look.retryAt - clock.now(), pollMs), BLOCKED_LOOK_MS), false);
      else await sleep(pollMs, true);
    }
    leases.delete(target.name);
    await outbox.release(target.name, owner).catch(() => undefined);
  };

  let poked: NodeJS.Timeout | undefined;
  const loops = options.targets.map(loop);
  if (options.targets.length > 0) {
    logger.info(
      { targets: options.targets.map((t) => t.describe), relay: owner },
      'outbox relay started: forwarding and follow-up fetches',
    );
  }
  return {
    poke() {
      // Commits come in bursts: one look a moment later takes them together.
      if (poked) return;
      poked = setTimeout(() => {
        poked = undefined;
        for (const [wake, pokable] of [...wakers]) if (pokable) wake();
      }, POKE_GATHER_MS);
    },
    async stop() {
      if (stopping) return;
      stopping = true;
      clearTimeout(poked);
      aborter.abort();
      for (const wake of [...wakers.keys()]) wake();
      await Promise.all(loops);
      await Promise.all(options.targets.map((t) => t.close?.()));
    },
  };
}
