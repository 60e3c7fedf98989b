import type Database from 'better-sqlite3';
import { sqliteStatement } from './sqlite-statement.js';
import type { NewEvent, Outbox, OutboxSettlement, ReplayQuery } from './event-store.js';
import type { PayloadCodec } from './payload-codec.js';
import {
  OUTBOX_SQL,
  parkedCursor,
  replaySql,
  sqliteParams,
  toDueItems,
  toParkedPage,
  toQueuedItem,
  toSinkStats,
  type DueRow,
  type QueuedRow,
} from './outbox-sql.js';

/** The outbox's writes on SQLite, run on the writing connection (the writer thread, or the CLI's redrive). */
export function sqliteOutboxWrites(db: Database.Database) {
  const prepare = (sql: string) => sqliteStatement(db, sql);
  const lease = prepare(OUTBOX_SQL.lease);
  const release = prepare(OUTBOX_SQL.release);
  const enqueue = prepare(OUTBOX_SQL.enqueue);
  const remove = db.prepare('DELETE FROM outbox WHERE sink = ? AND seq = ?');
  const countDelivered = prepare(OUTBOX_SQL.countDelivered);
  const fail = prepare(OUTBOX_SQL.fail);
  const countFailure = prepare(OUTBOX_SQL.countFailure);
  const redrive = prepare(OUTBOX_SQL.redrive);
  const settle = db.transaction((sink: string, settlement: OutboxSettlement) => {
    let removed = 0;
    for (const seq of settlement.delivered) removed += remove.run(sink, Number(seq)).changes;
    if (removed > 0) countDelivered.run(sink, removed);
    const failed = settlement.failed;
    if (failed) {
      fail.run(sink, Number(failed.seq), failed.error, failed.nextAttemptAt, failed.park ? 'parked' : 'pending');
      if (failed.failure) countFailure.run(sink, failed.error, failed.at);
    }
  });
  return {
    /** Inside the transaction that stored the event for the first time. */
    enqueue(event: NewEvent, seq: number): void {
      const queuedAt = Date.parse(event.receivedAt);
      for (const entry of event.outbox ?? []) enqueue.run(entry.sink, seq, queuedAt, entry.notBefore);
    },
    lease: (sink: string, owner: string, now: number, until: number) => lease.all(sink, owner, now, until).length === 1,
    release: (sink: string, owner: string) => void release.run(sink, owner),
    settle: (sink: string, settlement: OutboxSettlement) => settle.immediate(sink, settlement),
    redrive: (query: { sink?: string | undefined; eventId?: string | undefined }, now: number) =>
      redrive.run(query.sink ?? null, query.eventId ?? null, now),
    replay(query: ReplayQuery, now: number): number {
      const { insert, params } = replaySql(query);
      return db.prepare(insert).run(sqliteParams([...params, now])).changes;
    },
  };
}

export type SqliteOutboxWrites = ReturnType<typeof sqliteOutboxWrites>;
export type OutboxWriteOp = 'lease' | 'release' | 'settle' | 'redrive' | 'replay';

/** The outbox on SQLite: reads on `db` (this thread's connection), writes sent to the writer thread. */
export function sqliteOutbox(
  db: Database.Database,
  read: <T>(query: () => T) => Promise<T>,
  write: (op: OutboxWriteOp, args: unknown[]) => Promise<unknown>,
  codec: PayloadCodec,
): Outbox {
  const dueOrdered = db.prepare(OUTBOX_SQL.dueOrdered);
  const dueAny = db.prepare(OUTBOX_SQL.dueAny);
  const queues = db.prepare(OUTBOX_SQL.queues);
  const sinks = db.prepare(OUTBOX_SQL.sinks);
  const parked = db.prepare(OUTBOX_SQL.parked);
  const queued = db.prepare(
    `SELECT sink, seq, state, attempts, next_attempt_at, last_error FROM outbox
     WHERE sink IN (SELECT value FROM json_each(?)) AND seq IN (SELECT value FROM json_each(?)) ORDER BY seq, sink`,
  );
  return {
    lease: async (sink, owner, now, until) => (await write('lease', [sink, owner, now, until])) as boolean,
    release: async (sink, owner) => void (await write('release', [sink, owner])),
    settle: async (sink, settlement) => void (await write('settle', [sink, settlement])),
    redrive: async (query, now) => (await write('redrive', [query, now])) as number,
    // A dry run only reads: on this thread's connection (the CLI's may be read-only).
    replay: async (query, now) => {
      if (!query.dryRun) return (await write('replay', [query, now])) as number;
      const { count, params } = replaySql(query);
      return read(() => Number(db.prepare(count).pluck().get(sqliteParams(params))));
    },
    due: (sink, now, limit, ordered) =>
      read(() => {
        const rows = (ordered ? dueOrdered : dueAny).all(sqliteParams([sink, limit, ...(ordered ? [] : [now])])) as DueRow[];
        return toDueItems(sink, rows, now, ordered, codec);
      }),
    stats: () => read(() => toSinkStats(queues.all() as never[], sinks.all() as never[])),
    queuedFor: (seqs, queues) =>
      read(() => (queued.all(JSON.stringify(queues), JSON.stringify(seqs.map(Number))) as QueuedRow[]).map(toQueuedItem)),
    parked: (query) =>
      read(() => {
        const [seq, sink] = parkedCursor(query.after);
        return toParkedPage(parked.all(sqliteParams([query.sink ?? null, Number(seq), sink, query.limit])) as never[]);
      }),
  };
}
