import type { IncomingHttpHeaders } from 'node:http';
import type { Outcome } from '../errors.js';
import { duplicateKey, MAX_DEPTH, parseJsonBody, tooDeep } from '../providers/json-body.js';
import type { AuthMethod, Classified, PayloadIssue, Provider } from '../providers/provider.js';
import type { NewEvent } from '../store/event-store.js';
import { newEventOf } from './new-event.js';

/** Why a delivery is refused, for its answer (status, code) and its log line (outcome, reason: never a secret). */
export interface Refusal {
  status: 401 | 403 | 503;
  code: 'unauthorized' | 'forbidden' | 'not_configured';
  outcome: Extract<Outcome, 'unauthorized' | 'forbidden' | 'not_configured'>;
  reason: string;
}

/** What the headers settle before any body byte is read. */
export type HeaderVerdict =
  | { kind: 'passed'; integration: string | null }
  /** No header method passed (or none is configured): the signature over the body decides. */
  | { kind: 'body'; failures: string[] }
  | { kind: 'refused'; refusal: Refusal };

/** What one delivery comes to, short of storing it. */
export type Receipt =
  | { kind: 'refused'; refusal: Refusal }
  /** Authentic but not an event: kept in quarantine by the caller, answered 400. */
  | { kind: 'invalid'; reason: 'invalid_json' | 'invalid_payload'; issues: PayloadIssue[]; integration: string | null }
  | { kind: 'event'; event: NewEvent; classified: Classified; integration: string | null };

export interface Delivery {
  headers: IncomingHttpHeaders;
  /** The exact bytes received. */
  rawBody: Buffer;
  /** The sender's address as the listener reads it (`req.ip`, after TRUST_PROXY). */
  source: string | undefined;
  receivedAt: string;
}

/** The event fields the store indexes or keeps as text: a NUL in one is refused by PostgreSQL. */
const TEXT_FIELDS = ['type', 'sessionId', 'reference', 'status', 'vendorTime'] as const satisfies readonly (keyof Classified)[];

/** The longest identifier kept: the admin API reads any identifier up to this length, so everything stored can be read back. */
export const MAX_IDENTIFIER = 1024;

/** A surrogate code unit not part of a pair (a pair is one code point to a `u` regex). */
const LONE_SURROGATE = /\p{Surrogate}/u;

const unauthorized = (failures: string[]): Refusal => ({
  status: 401,
  code: 'unauthorized',
  outcome: 'unauthorized',
  reason: failures.join('; '),
});

/** Tries the methods in order: the first that passes gives the integration; each failure is kept (`method: reason`). */
function tryMethods(methods: readonly AuthMethod[], headers: IncomingHttpHeaders, rawBody: Buffer | undefined, failures: string[]) {
  for (const method of methods) {
    const check = method.check(headers, rawBody);
    if (check.ok) return check.integration;
    failures.push(`${method.name}: ${check.reason}`);
  }
  return undefined;
}

/**
 * The checks that need no body: the route is configured (else 503), the source address is allowed
 * (else 403), and the credentials that live in headers (a static secret, a bearer token). A pass
 * settles authentication; a failure refuses the delivery when every configured method is a header
 * one, else the signature over the body decides.
 */
export function checkHeaders(provider: Provider, headers: IncomingHttpHeaders, source: string | undefined): HeaderVerdict {
  const { access } = provider;
  if (!access.configured) {
    const reason = `no authentication method configured; set ${access.missing.join(' / ')}`;
    return { kind: 'refused', refusal: { status: 503, code: 'not_configured', outcome: 'not_configured', reason } };
  }
  if (provider.allowList && !provider.allowList(source)) {
    const reason = `source address ${source} is not in ${provider.name.toUpperCase()}_ALLOWED_IPS`;
    return { kind: 'refused', refusal: { status: 403, code: 'forbidden', outcome: 'forbidden', reason } };
  }
  const failures: string[] = [];
  const integration = tryMethods(
    access.methods.filter((m) => !m.inBody),
    headers,
    undefined,
    failures,
  );
  if (integration !== undefined) return { kind: 'passed', integration };
  if (access.methods.every((m) => !m.inBody)) return { kind: 'refused', refusal: unauthorized(failures) };
  return { kind: 'body', failures };
}

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
 * Intake without a store or a framework, as octokit's `verifyAndReceive` or stripe-node's
 * `constructEvent`: authenticated on the exact bytes (the header verdict when the caller already
 * has it), parsed as strict JSON (too deep a nesting, a key twice in one object, a NUL or lone
 * surrogate in an identifier are invalid), classified by the provider, and the new event built.
 */
export function receiveWebhook(provider: Provider, delivery: Delivery, headerVerdict?: HeaderVerdict): Receipt {
  const before = headerVerdict ?? checkHeaders(provider, delivery.headers, delivery.source);
  if (before.kind === 'refused') return before;
  let integration: string | null;
  if (before.kind === 'passed') integration = before.integration;
  else {
    const methods = provider.access.configured ? provider.access.methods.filter((m) => m.inBody) : [];
    const failures = [...before.failures];
    const passed = tryMethods(methods, delivery.headers, delivery.rawBody, failures);
    if (passed === undefined) return { kind: 'refused', refusal: unauthorized(failures) };
    integration = passed;
  }
  const json = parseJsonBody(delivery.rawBody);
  if (!json.ok) return { kind: 'invalid', reason: 'invalid_json', issues: [{ path: '', message: json.message }], integration };
  if (tooDeep(json.text)) {
    return {
      kind: 'invalid',
      reason: 'invalid_payload',
      issues: [{ path: '', message: `nested deeper than ${MAX_DEPTH} levels` }],
      integration,
    };
  }
  const twice = duplicateKey(json.text);
  if (twice !== null) {
    const message = 'the key appears twice in one object: the body means two things';
    return { kind: 'invalid', reason: 'invalid_payload', issues: [{ path: twice, message }], integration };
  }
  const classified = provider.classify(json.value);
  if (!classified.ok) return { kind: 'invalid', reason: 'invalid_payload', issues: classified.issues, integration };
  const issues = unstorable(classified.event);
  if (issues.length > 0) return { kind: 'invalid', reason: 'invalid_payload', issues, integration };
  return {
    kind: 'event',
    event: newEventOf(provider.name, classified.event, json.text, { integration, receivedAt: delivery.receivedAt }),
    classified: classified.event,
    integration,
  };
}
