import type { IncomingHttpHeaders } from 'node:http';
import type { IpAllowList } from '../auth/ip-allow-list.js';

export type ProviderName = 'veriff' | 'incode';

/** The verdict of one authentication method; `reason` is for the log, never the response. */
export type Authentication = { ok: true; integration: string | null } | { ok: false; reason: string };

/**
 * One way a sender may prove who it is. A method whose credentials live in headers (a static
 * secret, a bearer token) is checked before the body is read; a signature over the body after.
 */
export interface AuthMethod {
  readonly name: string;
  readonly inBody: boolean;
  check(headers: IncomingHttpHeaders, rawBody: Buffer | undefined): Authentication;
}

/** A route with no authentication method configured is closed. */
export type Access = { configured: true; methods: readonly AuthMethod[] } | { configured: false; missing: string[] };

export interface PayloadIssue {
  path: string;
  message: string;
}

/** The event-log fields a provider derives from an authentic JSON payload. */
export interface Classified {
  /** The kind (a recognised kind, an unfamiliar `eventType` as sent, or `unrecognised`). */
  type: string;
  sessionId: string | null;
  reference: string | null;
  status: string | null;
  /** The vendor's own time of the event, as sent (a string), or null. */
  vendorTime: string | null;
  /** What makes two deliveries the same event; hashed into the store's unique id (event-id.ts). */
  dedupeMaterial: unknown;
  /** False for a payload of no kind this service knows (stored all the same). */
  recognised: boolean;
}

export type Classification = { ok: true; event: Classified } | { ok: false; issues: PayloadIssue[] };

/** Everything that differs between vendors; the middleware of the webhook routes is shared. */
export interface Provider {
  readonly name: ProviderName;
  /** The route's paths: the first is the one to paste into the vendor's portal; others keep older URLs working. */
  readonly paths: readonly string[];
  readonly access: Access;
  /** Absent: any source address may call (authentication still applies). */
  readonly allowList: IpAllowList | undefined;
  /** The JSON body of a success answer, exactly as the vendor wants it. */
  readonly successBody: Record<string, string>;
  classify(payload: unknown): Classification;
}

/** The first of several header names that is present (vendors document more than one spelling). */
export function firstHeader(headers: IncomingHttpHeaders, names: readonly string[]): string | undefined {
  for (const name of names) {
    const value = headerValue(headers, name);
    if (value !== undefined) return value;
  }
  return undefined;
}

/** The first value of a header, as Node gives repeated headers as arrays for a few names only. */
export function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}
