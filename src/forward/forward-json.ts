import type { StoredEvent } from '../store/event-store.js';

/**
 * An event as it is forwarded: its identity, what it says, and the payload as the stored bytes
 * (never parsed and encoded again, so it is exactly what the vendor sent).
 */
export function forwardJson(e: StoredEvent): string {
  const fields = {
    id: e.id,
    seq: e.seq,
    provider: e.provider,
    type: e.type,
    sessionId: e.sessionId,
    reference: e.reference,
    status: e.status,
    vendorTime: e.vendorTime,
    receivedAt: e.receivedAt,
  };
  return `${JSON.stringify(fields).slice(0, -1)},"payload":${e.rawBody}}`;
}
