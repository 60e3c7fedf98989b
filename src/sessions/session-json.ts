import type { PayloadView } from '../access/payload-access.js';
import type { StoredEvent } from '../store/event-store.js';
import type { SessionView } from './session-view.js';

/**
 * An event as JSON text with its payload as the stored bytes themselves, never parsed and encoded
 * again: a read stays as cheap as the bytes, and a stored body of any shape can always be served.
 */
export function eventJson(e: StoredEvent, payloads: PayloadView = 'shown'): string {
  if (e.erasedAt !== null || e.blocked || payloads === 'withheld') return withheldJson(e, EVENT_FIELDS);
  return jsonWithPayload(e, EVENT_FIELDS, `,"rawBody":${JSON.stringify(e.rawBody)}`);
}

/**
 * `fields` of the event without its body: erased (`"payload": null`, the time in `erasedAt`),
 * blocked (`"payloadBlocked": true`), or withheld from a viewer (`"payloadWithheld": true`).
 */
export function withheldJson(e: StoredEvent, fields: readonly (keyof StoredEvent)[]): string {
  const picked = Object.fromEntries(fields.map((name) => [name, e[name]]));
  if (e.erasedAt !== null) return JSON.stringify({ ...picked, payload: null, rawBody: null });
  return JSON.stringify({ ...picked, ...(e.blocked ? { payloadBlocked: true } : { payloadWithheld: true }) });
}

const EVENT_FIELDS = [
  'id',
  'seq',
  'provider',
  'type',
  'sessionId',
  'reference',
  'status',
  'vendorTime',
  'integration',
  'receivedAt',
  'lastDeliveredAt',
  'deliveries',
  'erasedAt',
  'blocked',
] as const;

/** `fields` of the event as a JSON object, then `"payload"`: the stored bytes, spliced in as they are, then `after`. */
export function jsonWithPayload(e: StoredEvent, fields: readonly (keyof StoredEvent)[], after = ''): string {
  const picked = Object.fromEntries(fields.map((name) => [name, e[name]]));
  return `${JSON.stringify(picked).slice(0, -1)},"payload":${e.erasedAt === null ? e.rawBody : 'null'}${after}}`;
}

/** A session view as JSON text, its events written by eventJson. */
export function sessionJson(view: SessionView, payloads: PayloadView = 'shown'): string {
  const { events, ...rest } = view;
  return `${JSON.stringify(rest).slice(0, -1)},"events":[${events.map((e) => eventJson(e, payloads)).join(',')}]}`;
}
