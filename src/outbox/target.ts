import type { OutboxItem } from '../store/event-store.js';

/**
 * Where the relay sends outbox items: a sink (HTTP, NATS) or a follow-up fetch. `deliver`
 * resolves once the item is safely handed over and throws DeliveryError otherwise.
 */
export interface Target {
  /** The outbox's sink name (`http`, `nats`, ...). */
  name: string;
  /** What it is, for the operator (`http https://example.com/hooks`); never a secret. */
  describe: string;
  /** How its log lines name an attempt: `forwarding` for sinks, `fetching the Incode score`, ... */
  verb: string;
  /** Ordered targets get their items strictly in seq order: a failing item holds back the next ones. */
  ordered: boolean;
  /** Unordered targets: attempts in flight at once (default 1). */
  concurrency?: number;
  /** How long an item may wait before it is parked, instead of FORWARD_MAX_AGE. */
  maxAgeMs?: number;
  deliver(item: OutboxItem, signal: AbortSignal): Promise<void>;
  close?(): Promise<void>;
}

/** A failed delivery, said without any part of the payload or of a secret (it is logged and stored). */
export class DeliveryError extends Error {
  override name = 'DeliveryError';
}

/** Not a failure: what was asked for is not there yet (a decision not made); look again after `delayMs`. */
export class RetryLater extends DeliveryError {
  override name = 'RetryLater';
  constructor(
    message: string,
    readonly delayMs: number,
  ) {
    super(message);
  }
}

/** The reason of a failure as it may be logged and stored: DeliveryError's own text, else the error's code or kind. */
export function failureText(error: unknown): string {
  if (error instanceof DeliveryError) return error.message.slice(0, 300);
  const e = error as { code?: unknown; name?: unknown };
  return `unexpected ${typeof e.code === 'string' ? e.code : typeof e.name === 'string' ? e.name : 'error'}`;
}
