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
  /** Ordered targets get their items strictly in seq order: a failing item holds back the next ones. */
  ordered: boolean;
  deliver(item: OutboxItem, signal: AbortSignal): Promise<void>;
  close?(): Promise<void>;
}

/** A failed delivery, said without any part of the payload or of a secret (it is logged and stored). */
export class DeliveryError extends Error {
  override name = 'DeliveryError';
}

/** The reason of a failure as it may be logged and stored: DeliveryError's own text, else the error's code or kind. */
export function failureText(error: unknown): string {
  if (error instanceof DeliveryError) return error.message.slice(0, 300);
  const e = error as { code?: unknown; name?: unknown };
  return `unexpected ${typeof e.code === 'string' ? e.code : typeof e.name === 'string' ? e.name : 'error'}`;
}
