import { isUtf8 } from 'node:buffer';
import { hash } from 'node:crypto';
import type { Clock } from '../clock.js';
import { HttpError, StoreUnavailableError } from '../errors.js';
import type { EventStore } from '../store/event-store.js';
import { canonicalJson } from '../store/canonical-json.js';
import type { InboundRequest, PayloadIssue, Provider } from './provider.js';

/** What an accepted delivery is logged as (the answer is the provider's successBody). */
export interface Receipt {
  outcome: 'accepted' | 'duplicate' | 'unrecognised';
  sessionId: string | null;
  eventId: string;
  integration: string | null;
  deliveries: number;
}

export interface ReceiveDeps {
  store: EventStore;
  clock: Clock;
}

/** RFC 8259: JSON exchanged between systems is UTF-8; anything else is not JSON we can keep as text. */
function parseJson(bytes: Buffer): { ok: true; text: string; value: unknown } | { ok: false; message: string } {
  if (!isUtf8(bytes)) return { ok: false, message: 'body is not valid UTF-8' };
  const text = bytes.toString('utf8');
  try {
    return { ok: true, text, value: JSON.parse(text) };
  } catch (error) {
    return { ok: false, message: error instanceof Error ? error.message : 'not JSON' };
  }
}

/**
 * The one pipeline for every provider (SPEC §4): authenticate the exact bytes → parse JSON →
 * validate → commit → answer. Failures throw HttpError; a store failure rejects with
 * StoreUnavailableError. Authentic bodies that cannot be used are quarantined before the 400.
 */
export async function receive(provider: Provider, request: InboundRequest, deps: ReceiveDeps): Promise<Receipt> {
  if (!provider.access.configured) throw new Error(`${provider.name} route is not configured`);
  const auth = provider.access.authenticate(request);
  if (!auth.ok) throw new HttpError(401, 'unauthorized', { outcome: 'unauthorized', reason: auth.reason });

  const receivedAt = new Date(deps.clock.now()).toISOString();
  const keep = async (reason: 'invalid_json' | 'invalid_payload', issues: PayloadIssue[]) => {
    const kept = await deps.store.quarantine({ provider: provider.name, reason, issues, rawBody: request.rawBody, receivedAt });
    return `quarantined ${kept.id} (delivery ${kept.deliveries})`;
  };

  const json = parseJson(request.rawBody);
  if (!json.ok) {
    const where = await keep('invalid_json', [{ path: '', message: json.message }]);
    throw new HttpError(400, 'invalid_json', { outcome: 'invalid_json', reason: `${json.message}; ${where}` });
  }

  const meaning = provider.interpret(json.value);
  if (!meaning.ok) {
    const where = await keep('invalid_payload', meaning.issues);
    const summary = meaning.issues.map((i) => `${i.path || '(root)'}: ${i.message}`).join('; ');
    throw new HttpError(400, 'invalid_payload', {
      outcome: 'invalid_payload',
      reason: `${summary}; ${where}`,
      body: { issues: meaning.issues },
    });
  }

  const { event } = meaning;
  const id = hash('sha256', `${provider.name}\n${event.type}\n${canonicalJson(event.dedupeMaterial)}`, 'hex');
  const stored = await deps.store
    .append({
      id,
      provider: provider.name,
      type: event.type,
      sessionId: event.sessionId,
      reference: event.reference,
      status: event.status,
      integration: auth.integration,
      receivedAt,
      rawBody: json.text,
    })
    .catch((error: unknown) => {
      // Ops need to know whose result is waiting for the vendor's retry.
      if (error instanceof StoreUnavailableError) error.sessionId = event.sessionId;
      throw error;
    });
  return {
    outcome: stored.duplicate ? 'duplicate' : meaning.recognised ? 'accepted' : 'unrecognised',
    sessionId: event.sessionId,
    eventId: stored.id,
    integration: auth.integration,
    deliveries: stored.deliveries,
  };
}
