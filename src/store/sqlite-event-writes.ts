import { randomUUID } from 'node:crypto';
import type Database from 'better-sqlite3';
import type { NewEvent } from './event-store.js';
import { PRIVACY_SQL } from './privacy-sql.js';
import { sqliteOutboxWrites } from './sqlite-outbox.js';
import { sqliteParams } from './outbox-sql.js';
import type { StoreWrite, StoreWriteResult } from './store-lifecycle.js';

/**
 * The event log's writes on a writing SQLite connection (the writer thread's, or the CLI's for
 * an erasure notice): an event with its outbox entries, a quarantined delivery, and, after each
 * batch, the blocks that cover its new events. Bodies arrive sealed already (store-lifecycle.ts).
 */
export function sqliteEventWrites(db: Database.Database) {
  // Writes use .all()/.run(), never .get(): .get() on a write inside a transaction can hide the
  // commit's error (SQLITE_FULL) and report success for nothing stored (a full-disk test guards it).
  // Deduplication is the UNIQUE id's: a redelivery only counts itself on the stored event.
  const appendEvent = db.prepare(`
    INSERT INTO events (id, provider, type, session_id, reference, status, vendor_time, integration,
                        received_at, last_delivered_at, deliveries, raw_body, key_id)
    VALUES (@id, @provider, @type, @sessionId, @reference, @status, @vendorTime, @integration,
            @receivedAt, @receivedAt, 1, @rawBody, @keyId)
    ON CONFLICT (id) DO UPDATE SET deliveries = deliveries + 1, last_delivered_at = excluded.last_delivered_at
    RETURNING id, seq, deliveries`);
  const insertQuarantine = db.prepare(`
    INSERT INTO quarantine (id, provider, reason, body_hash, issues, raw_body, received_at, last_delivered_at, deliveries, key_id)
    VALUES (@id, @provider, @reason, @bodyHash, @issues, @rawBody, @receivedAt, @receivedAt, 1, @keyId)
    ON CONFLICT (provider, body_hash) DO UPDATE SET deliveries = deliveries + 1, last_delivered_at = excluded.last_delivered_at
    RETURNING id, deliveries`);
  const anyBlock = db.prepare(PRIVACY_SQL.anyBlock);
  const newBlocked = PRIVACY_SQL.newBlocked.map((sql) => db.prepare(sql));
  const outbox = sqliteOutboxWrites(db);

  type Row = { id: string; seq: number; deliveries: number };
  const appendOne = (event: NewEvent): StoreWriteResult => {
    // Named parameters: the event's other properties (its outbox entries) are not bound.
    const [row] = appendEvent.all({ ...event, keyId: event.keyId ?? null }) as Row[];
    if (row!.deliveries === 1) outbox.enqueue(event, row!.seq);
    return { id: row!.id, seq: String(row!.seq), deliveries: row!.deliveries, duplicate: row!.deliveries > 1 };
  };
  const apply = (write: StoreWrite): StoreWriteResult => {
    if (write.kind === 'event') return appendOne(write.event);
    const { item } = write;
    const [row] = insertQuarantine.all({
      id: randomUUID(),
      provider: item.provider,
      reason: item.reason,
      bodyHash: item.bodyHash,
      issues: JSON.stringify(item.issues),
      rawBody: Buffer.from(item.rawBody),
      receivedAt: item.receivedAt,
      keyId: item.keyId ?? null,
    }) as { id: string; deliveries: number }[];
    return { id: row!.id, deliveries: row!.deliveries, duplicate: row!.deliveries > 1 };
  };
  /** New events of a blocked subject are stored blocked, their queued items held (one look at `blocks` when there is none). */
  const blockNew = (results: StoreWriteResult[]) => {
    const seqs = results.flatMap((r) => ('seq' in r && !r.duplicate ? [Number(r.seq)] : []));
    if (seqs.length === 0 || anyBlock.all().length === 0) return;
    const range = sqliteParams([Math.min(...seqs), Math.max(...seqs)]);
    for (const statement of newBlocked) statement.run(range);
  };
  return {
    appendOne,
    /** One batch: every write, then the blocks over its new events (call inside a transaction). */
    applyBatch(writes: StoreWrite[]): StoreWriteResult[] {
      const results = writes.map(apply);
      blockNew(results);
      return results;
    },
  };
}
