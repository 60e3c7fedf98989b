import type { Request, Response } from 'express';
import type { Clock } from '../clock.js';
import { StoreRejectedError, StoreUnavailableError } from '../errors.js';
import { eventId } from '../providers/event-id.js';
import type { Provider } from '../providers/provider.js';
import type { EventStore } from '../store/event-store.js';
import { jsonAnswer } from './error-answer.js';
import { quarantineDelivery } from './quarantine-delivery.js';
import { webhookState } from './webhook-state.js';

/**
 * The handler that ends a webhook route: appends the event (or counts a redelivery) and answers
 * only once it is durably committed, with the vendor's success body. A store that cannot commit
 * rejects, and the error handler answers 503 so the vendor retries.
 */
export function appendEvent(provider: Provider, store: EventStore, clock: Clock) {
  // The same bytes for every accepted delivery: encoded once.
  const answer = jsonAnswer(200, provider.successBody);
  return async (_req: Request, res: Response): Promise<void> => {
    const state = webhookState(res);
    const event = state.event!;
    Object.assign(state.log, { sessionId: event.sessionId, type: event.type, integration: state.integration });
    const stored = await store
      .append({
        id: eventId(provider.name, event.type, event.dedupeMaterial),
        provider: provider.name,
        type: event.type,
        sessionId: event.sessionId,
        reference: event.reference,
        status: event.status,
        vendorTime: event.vendorTime,
        integration: state.integration ?? null,
        receivedAt: new Date(clock.now()).toISOString(),
        rawBody: state.text!,
      })
      .catch(async (error: unknown) => {
        // Ops need to know whose result is waiting for the vendor's retry.
        if (error instanceof StoreUnavailableError) error.sessionId = event.sessionId;
        // Refused for what it holds: a retry would fail the same way for ever, so keep it and answer 400.
        if (error instanceof StoreRejectedError) {
          throw await quarantineDelivery(store, clock, { provider: provider.name, rawBody: state.rawBody! }, 'invalid_payload', [
            { path: '', message: `the database cannot store it (${error.message.slice(0, 100)})` },
          ]);
        }
        throw error;
      });
    Object.assign(state.log, {
      outcome: stored.duplicate ? 'duplicate' : event.recognised ? 'accepted' : 'unrecognised',
      eventId: stored.id,
      deliveries: stored.deliveries,
    });
    answer(res);
  };
}
