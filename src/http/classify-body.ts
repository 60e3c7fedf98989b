import type { NextFunction, Request, Response } from 'express';
import type { Clock } from '../clock.js';
import { MAX_DEPTH, parseJsonBody, tooDeep } from '../providers/json-body.js';
import type { Classified, PayloadIssue, Provider } from '../providers/provider.js';
import type { EventStore } from '../store/event-store.js';
import { quarantineDelivery } from './quarantine-delivery.js';
import { webhookState } from './webhook-state.js';

/** The event fields the store indexes or keeps as text: a NUL in one is refused by PostgreSQL. */
const TEXT_FIELDS = ['type', 'sessionId', 'reference', 'status', 'vendorTime'] as const satisfies readonly (keyof Classified)[];

/** What the store cannot hold for itself, found before a commit is tried. */
function unstorable(event: Classified): PayloadIssue[] {
  return TEXT_FIELDS.filter((f) => event[f]?.includes('\u0000')).map((f) => ({ path: f, message: 'contains a NUL character' }));
}

/**
 * Authentic bytes → JSON (400 `invalid_json`) → the provider's classification (400
 * `invalid_payload`). A body that fails is kept in quarantine first (raw bytes, why), so nothing
 * authentic is lost: too deep a nesting and a NUL in an identifier are refused here, never left
 * for the database to refuse with a 503 on every retry.
 */
export function classifyBody(provider: Provider, store: EventStore, clock: Clock) {
  return async (_req: Request, res: Response, next: NextFunction): Promise<void> => {
    const state = webhookState(res);
    const delivery = { provider: provider.name, rawBody: state.rawBody! };
    const json = parseJsonBody(delivery.rawBody);
    if (!json.ok) throw await quarantineDelivery(store, clock, delivery, 'invalid_json', [{ path: '', message: json.message }]);
    const classified = tooDeep(json.text)
      ? { ok: false as const, issues: [{ path: '', message: `nested deeper than ${MAX_DEPTH} levels` }] }
      : provider.classify(json.value);
    const issues = classified.ok ? unstorable(classified.event) : classified.issues;
    if (issues.length > 0) throw await quarantineDelivery(store, clock, delivery, 'invalid_payload', issues);
    state.text = json.text;
    state.event = (classified as { event: Classified }).event;
    next();
  };
}
