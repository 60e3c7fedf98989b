import type { Clock } from '../clock.js';
import { HttpError } from '../errors.js';
import type { PayloadIssue, ProviderName } from '../providers/provider.js';
import type { EventStore } from '../store/event-store.js';

/**
 * Keeps an authentic delivery that cannot become an event (raw bytes, why, when; the same bytes
 * again are counted), then gives the 400 that answers it. Nothing authentic is lost.
 */
export async function quarantineDelivery(
  store: EventStore,
  clock: Clock,
  delivery: { provider: ProviderName; rawBody: Buffer },
  reason: 'invalid_json' | 'invalid_payload',
  issues: PayloadIssue[],
): Promise<HttpError> {
  const receivedAt = new Date(clock.now()).toISOString();
  const kept = await store.quarantine({ ...delivery, reason, issues, receivedAt });
  const where = `quarantined ${kept.id} (delivery ${kept.deliveries})`;
  const summary = issues.map((i) => `${i.path || '(root)'}: ${i.message}`).join('; ');
  return new HttpError(400, reason, {
    outcome: reason,
    reason: `${summary}; ${where}`,
    body: reason === 'invalid_payload' ? { issues } : {},
  });
}
