import type { IncomingHttpHeaders } from 'node:http';
import type { IpAllowList } from '../auth/ip-allow-list.js';

export type ProviderName = 'veriff' | 'incode';

/** What the pipeline knows of a request: no Express, just headers and the exact bytes. */
export interface InboundRequest {
  headers: IncomingHttpHeaders;
  rawBody: Buffer;
}

export type Authentication = { ok: true; integration: string | null } | { ok: false; reason: string };

/** A route with no authentication method configured is closed (SPEC §3). */
export type Access = { configured: true; authenticate(request: InboundRequest): Authentication } | { configured: false; missing: string[] };

export interface PayloadIssue {
  path: string;
  message: string;
}

/** The event-log fields a provider derives from a valid payload (SPEC §5). */
export interface EventFields {
  type: string;
  sessionId: string | null;
  reference: string | null;
  status: string | null;
  /** What makes two deliveries the same event; hashed into the store's unique key. */
  dedupeMaterial: unknown;
}

export type Interpretation = { ok: true; event: EventFields; recognised: boolean } | { ok: false; issues: PayloadIssue[] };

/** Everything that differs between vendors; the pipeline in receive.ts is shared. */
export interface Provider {
  readonly name: ProviderName;
  readonly path: string;
  readonly access: Access;
  /** Absent: any source address may call (authentication still applies). */
  readonly allowList: IpAllowList | undefined;
  /** The JSON body of a success answer, exactly as the vendor wants it. */
  readonly successBody: Record<string, string>;
  interpret(payload: unknown): Interpretation;
}

/** The first value of a header, as Node gives repeated headers as arrays for a few names only. */
export function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}
