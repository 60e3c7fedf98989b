import type { StoredEvent } from '../store/event-store.js';
import type { SessionView } from './session-view.js';

/**
 * An event as JSON text with its payload as the stored bytes themselves, never parsed and encoded
 * again: a read stays as cheap as the bytes, and a stored body of any shape can always be served.
 */
export function eventJson(e: StoredEvent): string {
  const fields = {
    id: e.id,
    seq: e.seq,
    provider: e.provider,
    type: e.type,
    sessionId: e.sessionId,
    reference: e.reference,
    status: e.status,
    vendorTime: e.vendorTime,
    integration: e.integration,
    receivedAt: e.receivedAt,
    lastDeliveredAt: e.lastDeliveredAt,
    deliveries: e.deliveries,
  };
  return `${JSON.stringify(fields).slice(0, -1)},"payload":${e.rawBody},"rawBody":${JSON.stringify(e.rawBody)}}`;
}

/** A session view as JSON text, its events written by eventJson. */
export function sessionJson(view: SessionView): string {
  const { events, ...rest } = view;
  return `${JSON.stringify(rest).slice(0, -1)},"events":[${events.map(eventJson).join(',')}]}`;
}
