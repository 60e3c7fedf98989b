import type { EventStore, NewEvent, OutboxEntry } from '../store/event-store.js';
import type { Target } from './target.js';

/**
 * The outbox's queue names: the forwarding sinks and the follow-up fetches. The store keys its
 * queues by these names without knowing them; every name the product has ever queued under is
 * here, so the items of a queue no longer configured can still be found.
 */
export const QUEUES = { http: 'http', nats: 'nats', incodeScore: 'incode-score', veriffDecision: 'veriff-decision' } as const;
export const QUEUE_NAMES: readonly string[] = Object.values(QUEUES);

/** One queue as its owner (forward/, fetch/) registers it. */
export interface QueueRegistration {
  name: string;
  /** A sink forwards events (and may be replayed to); a fetch asks a vendor for a result. */
  kind: 'sink' | 'fetch';
  /** Whether a newly stored event enters this queue: the earliest time (Unix ms) it is due, or undefined. */
  route(event: NewEvent): number | undefined;
  /** The target the relay drains it with, made once the store is open. */
  target(store: EventStore): Target;
}

/** The queues this configuration turns on, registered by forward/ and fetch/; read by the composition root. */
export interface QueueRegistry {
  register(queue: QueueRegistration): void;
  /** Where a newly stored event is queued; undefined when no queue is registered. */
  routing(): ((event: NewEvent) => OutboxEntry[]) | undefined;
  targets(store: EventStore): Target[];
  /** The registered sinks' names (what replay may target). */
  sinkNames(): string[];
}

export function createQueueRegistry(): QueueRegistry {
  const queues: QueueRegistration[] = [];
  return {
    register(queue) {
      if (queues.some((q) => q.name === queue.name)) throw new Error(`queue ${queue.name} is registered twice`);
      queues.push(queue);
    },
    routing() {
      if (queues.length === 0) return undefined;
      return (event) =>
        queues.flatMap((q) => {
          const notBefore = q.route(event);
          return notBefore === undefined ? [] : [{ sink: q.name, notBefore }];
        });
    },
    targets: (store) => queues.map((q) => q.target(store)),
    sinkNames: () => queues.filter((q) => q.kind === 'sink').map((q) => q.name),
  };
}
