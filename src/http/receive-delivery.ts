import type { Request, Response } from 'express';
import type { Clock } from '../clock.js';
import { StoreRejectedError, StoreUnavailableError } from '../errors.js';
import { receiveWebhook } from '../intake/receive-webhook.js';
import type { Provider } from '../providers/provider.js';
import type { EventStore } from '../store/event-store.js';
import { jsonAnswer } from './error-answer.js';
import { quarantineDelivery } from './quarantine-delivery.js';
import { refusedWith } from './route-guards.js';
import { webhookAt } from './webhook-state.js';

/**
 * The handler that ends a webhook route, a thin adapter over the core (receiveWebhook): a refusal
 * is answered (401); an authentic body that is no event is kept in quarantine first, then answered
 * 400; an event is appended (or a redelivery counted) and answered only once durably committed.
 * A store that cannot commit rejects, and the error handler answers 503 so the vendor retries.
 */
export function receiveDelivery(provider: Provider, store: EventStore, clock: Clock) {
  // The same bytes for every accepted delivery: encoded once.
  const answer = jsonAnswer(200, provider.successBody);
  return async (req: Request, res: Response): Promise<void> => {
    const { state, stage } = webhookAt(res, 'body-read');
    const { rawBody, verdict } = stage;
    const delivery = { provider: provider.name, rawBody };
    const receipt = receiveWebhook(
      provider,
      { headers: req.headers, rawBody, source: req.ip, receivedAt: new Date(clock.now()).toISOString() },
      verdict,
    );
    if (receipt.kind === 'refused') throw refusedWith(receipt.refusal);
    state.log.integration = receipt.integration;
    if (receipt.kind === 'invalid') throw await quarantineDelivery(store, clock, delivery, receipt.reason, receipt.issues);
    const { event, classified } = receipt;
    Object.assign(state.log, { sessionId: event.sessionId, type: event.type });
    const stored = await store.append(event).catch(async (error: unknown) => {
      // Ops need to know whose result is waiting for the vendor's retry.
      if (error instanceof StoreUnavailableError) error.sessionId = event.sessionId;
      // Refused for what it holds: a retry would fail the same way for ever, so keep it and answer 400.
      if (error instanceof StoreRejectedError) {
        throw await quarantineDelivery(store, clock, delivery, 'invalid_payload', [
          { path: '', message: `the database cannot store it (${error.message.slice(0, 100)})` },
        ]);
      }
      throw error;
    });
    Object.assign(state.log, {
      outcome: stored.duplicate ? 'duplicate' : classified.recognised ? 'accepted' : 'unrecognised',
      eventId: stored.id,
      deliveries: stored.deliveries,
    });
    answer(res);
  };
}
