import { jsonWithPayload } from '../sessions/session-json.js';
import type { StoredEvent } from '../store/event-store.js';

/** What a sink gets besides the payload: the event's identity and what it says, not how it was delivered to us. */
const FORWARDED_FIELDS = ['id', 'seq', 'provider', 'type', 'sessionId', 'reference', 'status', 'vendorTime', 'receivedAt'] as const;

/**
 * An event as it is forwarded: its identity, what it says, and the payload as the stored bytes
 * (never parsed and encoded again, so it is exactly what the vendor sent).
 */
export function forwardJson(e: StoredEvent): string {
  return jsonWithPayload(e, FORWARDED_FIELDS);
}
