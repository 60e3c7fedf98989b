import type { NextFunction, Request, Response } from 'express';
import type { Clock } from '../clock.js';
import { duplicateKey, MAX_DEPTH, parseJsonBody, tooDeep } from '../providers/json-body.js';
import type { Classified, PayloadIssue, Provider } from '../providers/provider.js';
import type { EventStore } from '../store/event-store.js';
import { quarantineDelivery } from './quarantine-delivery.js';
import { webhookState } from './webhook-state.js';

/** The event fields the store indexes or keeps as text: a NUL in one is refused by PostgreSQL. */
const TEXT_FIELDS = ['type', 'sessionId', 'reference', 'status', 'vendorTime'] as const satisfies readonly (keyof Classified)[];

/** The longest identifier kept: the admin API reads any identifier up to this length, so everything stored can be read back. */
export const MAX_IDENTIFIER = 1024;

/** A surrogate code unit not part of a pair (a pair is one code point to a `u` regex). */
const LONE_SURROGATE = /\p{Surrogate}/u;

/**
 * What the store cannot hold, or could not tell apart, found before a commit is tried: a NUL
 * (PostgreSQL refuses it), a lone surrogate (stored as U+FFFD, three different sessions would
 * merge into one), or an identifier longer than the admin API reads.
 */
function unstorable(event: Classified): PayloadIssue[] {
  const issues: PayloadIssue[] = [];
  for (const f of TEXT_FIELDS) {
    const value = event[f];
    if (value === null || value === undefined) continue;
    if (value.includes('\u0000')) issues.push({ path: f, message: 'contains a NUL character' });
    if (LONE_SURROGATE.test(value)) issues.push({ path: f, message: 'contains a lone surrogate (not a Unicode character)' });
    if (value.length > MAX_IDENTIFIER) issues.push({ path: f, message: `longer than ${MAX_IDENTIFIER} characters` });
  }
  return issues;
}

/**
 * Authentic bytes → JSON (400 `invalid_json`) → the provider's classification (400
 * `invalid_payload`). A body that fails is kept in quarantine first (raw bytes, why), so nothing
 * authentic is lost: too deep a nesting and a NUL in an identifier are refused here, never left
 * for the database to refuse with a 503 on every retry; so is ambiguous JSON (a key twice in one
 * object, a lone surrogate in an identifier).
 */
export function classifyBody(provider: Provider, store: EventStore, clock: Clock) {
  return async (_req: Request, res: Response, next: NextFunction): Promise<void> => {
    const state = webhookState(res);
    const delivery = { provider: provider.name, rawBody: state.rawBody! };
    const json = parseJsonBody(delivery.rawBody);
    if (!json.ok) throw await quarantineDelivery(store, clock, delivery, 'invalid_json', [{ path: '', message: json.message }]);
    const twice = tooDeep(json.text) ? null : duplicateKey(json.text);
    const classified = tooDeep(json.text)
      ? { ok: false as const, issues: [{ path: '', message: `nested deeper than ${MAX_DEPTH} levels` }] }
      : twice !== null
        ? { ok: false as const, issues: [{ path: twice, message: 'the key appears twice in one object: the body means two things' }] }
        : provider.classify(json.value);
    const issues = classified.ok ? unstorable(classified.event) : classified.issues;
    if (issues.length > 0) throw await quarantineDelivery(store, clock, delivery, 'invalid_payload', issues);
    state.text = json.text;
    state.event = (classified as { event: Classified }).event;
    next();
  };
}
