import { eventId } from '../providers/event-id.js';
import type { Classified, ProviderName } from '../providers/provider.js';
import type { NewEvent } from '../store/event-store.js';

/**
 * The one place a vendor's event becomes an event to store, whether a webhook delivered it or a
 * follow-up fetch asked for it: its id from what makes it the same event (so the webhook and the
 * fetch of one decision are one event), its fields as classified, the exact JSON text.
 */
export function newEventOf(
  provider: ProviderName,
  event: Classified,
  text: string,
  meta: { integration: string | null; receivedAt: string },
): NewEvent {
  return {
    id: eventId(provider, event.type, event.dedupeMaterial),
    provider,
    type: event.type,
    sessionId: event.sessionId,
    reference: event.reference,
    status: event.status,
    vendorTime: event.vendorTime,
    integration: meta.integration,
    receivedAt: meta.receivedAt,
    rawBody: text,
  };
}
