import type { ProviderName } from '../providers/provider.js';
import type { EventQuery, Page, QuarantineItem, StoredEvent } from './event-store.js';
import { openEventBody, type PayloadCodec } from './payload-codec.js';
import { rawBodyText } from './raw-body-text.js';

/** A row of `events` as either backend returns it (SQLite: text and numbers; PostgreSQL: Date and int8 text). */
export interface EventRow {
  seq: number | string;
  id: string;
  provider: ProviderName;
  type: string;
  session_id: string | null;
  reference: string | null;
  status: string | null;
  vendor_time: string | null;
  integration: string | null;
  received_at: string | Date;
  last_delivered_at: string | Date;
  deliveries: number;
  raw_body: string;
  key_id: string | null;
  erased_at: string | Date | null;
  blocked: number;
}

/** The columns of `events` a read returns (PostgreSQL's parsed `payload` column is not read: the payload is the raw text, parsed when asked for). */
export const EVENT_COLUMNS =
  'seq, id, provider, type, session_id, reference, status, vendor_time, integration, received_at, last_delivered_at, deliveries, raw_body, key_id, erased_at, blocked';

export interface QuarantineRow {
  seq: number | string;
  id: string;
  provider: ProviderName;
  reason: string;
  /** Already parsed. */
  issues: { path: string; message: string }[];
  raw_body: Buffer;
  received_at: string | Date;
  last_delivered_at: string | Date;
  deliveries: number;
  key_id: string | null;
  erased_at: string | Date | null;
}

const iso = (value: string | Date) => (typeof value === 'string' ? value : value.toISOString());

/**
 * An event as read, its body opened with `codec` (sealed bodies) and empty once erased. Its
 * `payload` is parsed from the stored text on first use only: a reader that serves the stored
 * bytes (the admin API) never parses them, whatever their shape; an erased event's is null.
 */
export function toStoredEvent(r: EventRow, codec: PayloadCodec): StoredEvent {
  const erasedAt = r.erased_at === null || r.erased_at === undefined ? null : iso(r.erased_at);
  // Opened on first use only: a read of metadata (a table, a viewer's page) needs no key.
  let body: string | undefined;
  const rawBody = () => (body ??= erasedAt === null ? openEventBody(codec, r.raw_body, r.key_id ?? null) : '');
  let parsed: { value: unknown } | undefined;
  return Object.defineProperties(
    {
      id: r.id,
      seq: String(r.seq),
      provider: r.provider,
      type: r.type,
      sessionId: r.session_id,
      reference: r.reference,
      status: r.status,
      vendorTime: r.vendor_time ?? null,
      integration: r.integration,
      receivedAt: iso(r.received_at),
      lastDeliveredAt: iso(r.last_delivered_at),
      deliveries: r.deliveries,
      erasedAt,
      blocked: Number(r.blocked ?? 0) === 1,
    },
    {
      rawBody: { enumerable: true, get: rawBody },
      payload: { enumerable: true, get: () => (parsed ??= { value: erasedAt === null ? JSON.parse(rawBody()) : null }).value },
    },
  ) as StoredEvent;
}

/**
 * Takes rows in order while they fit in `maxBytes` of stored bodies, always at least one, so a page
 * stops early but its `next` stays exact (the seq of the last row taken).
 */
export function withinBytes<R extends { raw_body: string }>(rows: Iterable<R>, maxBytes: number): R[] {
  const taken: R[] = [];
  let bytes = 0;
  for (const row of rows) {
    bytes += Buffer.byteLength(row.raw_body);
    if (taken.length > 0 && bytes > maxBytes) break;
    taken.push(row);
  }
  return taken;
}

/** A quarantined delivery as read, its bytes opened with `codec`; empty once erased. */
export const toQuarantineItem = (r: QuarantineRow, codec: PayloadCodec): QuarantineItem => {
  const erasedAt = r.erased_at === null || r.erased_at === undefined ? null : iso(r.erased_at);
  return {
    id: r.id,
    provider: r.provider,
    reason: r.reason,
    receivedAt: iso(r.received_at),
    lastDeliveredAt: iso(r.last_delivered_at),
    issues: r.issues,
    ...rawBodyText(erasedAt === null ? codec.open('quarantine', r.raw_body, r.key_id ?? null) : Buffer.alloc(0)),
    deliveries: r.deliveries,
    erasedAt,
  };
};

/** A page whose `next` is the seq of its last row: null only when the page is empty. */
export function toPage<R extends { seq: number | string }, T>(rows: R[], map: (row: R) => T): Page<T> {
  const last = rows[rows.length - 1];
  return { items: rows.map(map), next: last ? String(last.seq) : null };
}

/** The equality filters of an event query, as [column, value] pairs, in a fixed order. */
export function eventFilters(query: EventQuery): [column: string, value: string][] {
  const filters: [string, string | undefined][] = [
    ['provider', query.provider],
    ['session_id', query.sessionId],
    ['reference', query.reference],
  ];
  return filters.filter((f): f is [string, string] => f[1] !== undefined);
}
