import { z } from 'zod';
import { object, reference, text, withoutTime, type Json } from '../fields.js';
import type { Classification, Classified } from '../provider.js';
import { toPayloadIssues } from '../zod-issues.js';

/**
 * Veriff's webhook kinds, recognised by shape (a customer may paste one URL into every webhook
 * field of the Veriff Customer Portal). Veriff's rule for listeners: accept unfamiliar payloads,
 * so anything authentic is stored; only a recognised kind without the identifier it is known by
 * is refused. Identifiers are the only fields whose type is checked; every other field is kept as
 * sent, and a status is derived only where the values allow it.
 * https://devdocs.veriff.com/docs/webhooks-guide, .../ine-webhook, .../decision-webhook, .../event-webhook
 */
interface Kind {
  type: string;
  recognise(payload: Json): boolean;
  /** The identifier the kind is known by must be a non-empty string (kinds without one have none). */
  schema?: z.ZodType;
  fields(payload: Json): Omit<Classified, 'type' | 'recognised'>;
}

const identifier = z.string('must be a non-empty string').min(1, 'must be a non-empty string');

/** `ine_registry`: `data.code` 200 is an answer from the registry (active or not); another code is a failed query. */
function ineRegistryStatus(data: Json | undefined): string | null {
  const code = data?.code;
  if (code === undefined || code === null) return null;
  if (code !== 200 && code !== '200') return 'error';
  const active = object(data?.details)?.active;
  return active === true ? 'valid' : active === false ? 'invalid' : null;
}

/** The INE part of a combined INE+CURP check, where it says whether the card is active. */
function ineActiveStatus(data: Json | undefined): string | null {
  const details = object(data?.details);
  const active = object(details?.ine)?.active ?? object(data?.ine)?.active;
  return active === true ? 'valid' : active === false ? 'invalid' : null;
}

const KINDS: readonly Kind[] = [
  {
    type: 'ine_registry',
    recognise: (p) => p.eventType === 'ine_registry',
    schema: z.looseObject({ sessionId: identifier }),
    fields: (p) => ({
      sessionId: p.sessionId as string,
      reference: reference(p.vendorData),
      status: ineRegistryStatus(object(p.data)),
      vendorTime: text(p.time),
      // A retry whose only change is `time` is the same event; a different result is a new one.
      dedupeMaterial: [p.eventType, p.sessionId, p.attemptId, p.version, p.data],
    }),
  },
  {
    type: 'combined-ine-curp-registry',
    recognise: (p) => p.eventType === 'combined-ine-curp-registry',
    fields: (p) => ({
      sessionId: text(p.sessionId),
      reference: reference(p.vendorData),
      status: ineActiveStatus(object(p.data)),
      vendorTime: text(p.time),
      dedupeMaterial: withoutTime(p),
    }),
  },
  {
    type: 'decision',
    recognise: (p) => object(p.verification) !== undefined,
    schema: z.looseObject({ verification: z.looseObject({ id: identifier }) }),
    fields: (p) => {
      const v = object(p.verification)!;
      return {
        sessionId: v.id as string,
        reference: reference(v.vendorData),
        status: text(v.status),
        vendorTime: text(v.decisionTime),
        // The same decision fetched from Veriff's API (GET /v1/sessions/{id}/decision) is the same event.
        dedupeMaterial: [v.id, v.attemptId, v.status, v.decisionTime],
      };
    },
  },
  {
    type: 'event',
    recognise: (p) => (p.code === 7001 || p.code === 7002) && 'action' in p,
    schema: z.looseObject({ id: identifier }),
    fields: (p) => ({
      sessionId: p.id as string,
      reference: reference(p.vendorData),
      status: text(p.action),
      vendorTime: text(p.time),
      dedupeMaterial: [p.id, p.attemptId, p.action],
    }),
  },
  {
    type: 'curp_registry',
    recognise: (p) => p.type === 'curp_registry',
    fields: (p) => ({
      sessionId: text(p.id),
      reference: reference(p.vendorData),
      status: text(object(p.data)?.status),
      vendorTime: text(p.time),
      dedupeMaterial: withoutTime(p),
    }),
  },
  {
    type: 'watchlist',
    recognise: (p) => typeof p.checkType === 'string' && 'matchStatus' in p,
    fields: (p) => ({
      sessionId: text(p.sessionId),
      reference: reference(p.vendorData),
      status: text(p.matchStatus),
      vendorTime: text(p.time),
      dedupeMaterial: withoutTime(p),
    }),
  },
];

/** An unfamiliar `eventType` is the kind's name when it looks like one; else `unrecognised`. */
const EVENT_TYPE = /^[A-Za-z0-9][\w.:-]{0,63}$/;

/** Anything else authentic: stored as sent, with what can be read of it (best effort). */
function unrecognised(payload: unknown): Classified {
  const p = object(payload);
  const verification = object(p?.verification);
  const eventType = text(p?.eventType);
  return {
    type: eventType !== null && EVENT_TYPE.test(eventType) ? eventType : 'unrecognised',
    sessionId: text(p?.sessionId) ?? text(verification?.id) ?? text(p?.id),
    reference: reference(p?.vendorData ?? verification?.vendorData),
    status: null,
    vendorTime: text(p?.time),
    dedupeMaterial: withoutTime(payload),
    recognised: false,
  };
}

export function classifyVeriff(payload: unknown): Classification {
  const p = object(payload);
  const kind = p && KINDS.find((k) => k.recognise(p));
  if (!p || !kind) return { ok: true, event: unrecognised(payload) };
  const checked = kind.schema?.safeParse(p);
  if (checked && !checked.success) return { ok: false, issues: toPayloadIssues(checked.error) };
  return { ok: true, event: { type: kind.type, ...kind.fields(p), recognised: true } };
}
