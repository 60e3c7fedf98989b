import type { BlockInfo, PassCursor, Subject } from './event-store.js';
import { openEventBody, sealEventBody, type PayloadCodec } from './payload-codec.js';
import type { BlockRow } from './privacy-sql.js';

export const toBlockInfo = (r: BlockRow): BlockInfo => ({
  kind: r.kind,
  subject: r.subject,
  origin: r.origin,
  until: r.until,
  reason: r.reason,
  createdAt: r.created_at,
  createdBy: r.created_by,
});

/** `reference:R` / `session:S` (a block's origin) as the subject it names. */
export function toSubject(origin: string): Subject {
  const at = origin.indexOf(':');
  return { kind: origin.slice(0, at) === 'session' ? 'session' : 'reference', id: origin.slice(at + 1) };
}

export type StaleRow = { seq: number | string; raw_body: string | Buffer; key_id: string | null };

/**
 * Re-seals one batch of bodies with the current key (opened with the key each was sealed with, or
 * taken as they are when in clear); `update` writes one back only if no one changed it meanwhile.
 */
export function resealBatch(
  codec: PayloadCodec,
  after: PassCursor,
  limit: number,
  rows: { events: StaleRow[]; quarantined: StaleRow[] },
  update: (table: 'events' | 'quarantine', values: unknown[]) => number,
): { next: PassCursor; resealed: number; done: boolean } {
  let resealed = 0;
  for (const r of rows.events) {
    const sealed = sealEventBody(codec, openEventBody(codec, String(r.raw_body), r.key_id));
    resealed += update('events', [sealed.rawBody, sealed.keyId, Number(r.seq), r.key_id ?? '']);
  }
  for (const r of rows.quarantined) {
    const body = Buffer.isBuffer(r.raw_body) ? r.raw_body : Buffer.from(r.raw_body);
    const sealed = codec.seal('quarantine', codec.open('quarantine', body, r.key_id));
    resealed += update('quarantine', [sealed.stored, sealed.keyId, Number(r.seq), r.key_id ?? '']);
  }
  return {
    next: {
      events: rows.events.length > 0 ? String(rows.events.at(-1)!.seq) : after.events,
      quarantine: rows.quarantined.length > 0 ? String(rows.quarantined.at(-1)!.seq) : after.quarantine,
    },
    resealed,
    done: rows.events.length < limit && rows.quarantined.length < limit,
  };
}

/**
 * Where a retention pass over one batch of (seq, received) rows stops: the last row received
 * before `cutoff` (rows arrive in seq order, near enough: the pass stops at the first still within
 * its time), and whether a full batch of expired rows means more may follow.
 */
export function expiredUpTo(rows: { seq: number | string; receivedAt: string }[], cutoff: string, limit: number) {
  const young = rows.findIndex((r) => r.receivedAt >= cutoff);
  const upto = young < 0 ? rows.at(-1) : rows[young - 1];
  return { upto: upto === undefined ? undefined : String(upto.seq), more: young < 0 && rows.length === limit };
}
