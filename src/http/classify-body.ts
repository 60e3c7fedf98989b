import type { NextFunction, Request, Response } from 'express';
import type { Clock } from '../clock.js';
import { HttpError } from '../errors.js';
import { MAX_DEPTH, parseJsonBody, tooDeep } from '../providers/json-body.js';
import type { Classified, PayloadIssue, Provider } from '../providers/provider.js';
import type { EventStore } from '../store/event-store.js';
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
    const rawBody = state.rawBody!;
    const keep = async (reason: 'invalid_json' | 'invalid_payload', issues: PayloadIssue[]) => {
      const receivedAt = new Date(clock.now()).toISOString();
      const kept = await store.quarantine({ provider: provider.name, reason, issues, rawBody, receivedAt });
      return `quarantined ${kept.id} (delivery ${kept.deliveries})`;
    };

    const json = parseJsonBody(rawBody);
    if (!json.ok) {
      const where = await keep('invalid_json', [{ path: '', message: json.message }]);
      throw new HttpError(400, 'invalid_json', { outcome: 'invalid_json', reason: `${json.message}; ${where}` });
    }
    const classified = tooDeep(json.text)
      ? { ok: false as const, issues: [{ path: '', message: `nested deeper than ${MAX_DEPTH} levels` }] }
      : provider.classify(json.value);
    const issues = classified.ok ? unstorable(classified.event) : classified.issues;
    if (issues.length > 0) {
      const where = await keep('invalid_payload', issues);
      const summary = issues.map((i) => `${i.path || '(root)'}: ${i.message}`).join('; ');
      throw new HttpError(400, 'invalid_payload', { outcome: 'invalid_payload', reason: `${summary}; ${where}`, body: { issues } });
    }
    state.text = json.text;
    state.event = (classified as { event: Classified }).event;
    next();
  };
}
