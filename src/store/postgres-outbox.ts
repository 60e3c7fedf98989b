import type pg from 'pg';
import type { NewEvent, Outbox } from './event-store.js';
import type { PayloadCodec } from './payload-codec.js';
import {
  OUTBOX_SQL,
  parkedCursor,
  replaySql,
  toDueItems,
  toParkedPage,
  toQueuedItem,
  toSinkStats,
  type DueRow,
  type QueuedRow,
} from './outbox-sql.js';

/** Queues newly stored events, in the transaction that stored them: one statement for the batch. */
export async function enqueuePostgres(client: pg.PoolClient, stored: { event: NewEvent; seq: string }[]): Promise<void> {
  const sinks: string[] = [];
  const seqs: string[] = [];
  const queuedAt: number[] = [];
  const notBefore: number[] = [];
  for (const { event, seq } of stored) {
    for (const entry of event.outbox ?? []) {
      sinks.push(entry.sink);
      seqs.push(seq);
      queuedAt.push(Date.parse(event.receivedAt));
      notBefore.push(entry.notBefore);
    }
  }
  if (sinks.length === 0) return;
  await client.query(
    `INSERT INTO outbox (sink, seq, queued_at, next_attempt_at)
     SELECT * FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::bigint[])
     ON CONFLICT DO NOTHING`,
    [sinks, seqs, queuedAt, notBefore],
  );
}

/**
 * The outbox on PostgreSQL. Several replicas share it: the lease row in `sinks` is taken with one
 * atomic upsert, so only one replica drains a sink at a time, and an expired lease (its holder
 * died) is taken over. `guard` runs each query, its failure said as the store being unavailable.
 */
export function postgresOutbox(pool: pg.Pool, guard: <T>(query: () => Promise<T>) => Promise<T>, codec: PayloadCodec): Outbox {
  const rows = async <R extends pg.QueryResultRow>(text: string, values: unknown[] = []) => (await pool.query<R>(text, values)).rows;
  return {
    lease: (sink, owner, now, until) => guard(async () => (await rows(OUTBOX_SQL.lease, [sink, owner, now, until])).length === 1),
    release: (sink, owner) => guard(async () => void (await pool.query(OUTBOX_SQL.release, [sink, owner]))),
    settle: (sink, settlement) =>
      guard(async () => {
        const client = await pool.connect();
        try {
          await client.query('BEGIN');
          const removed = await client.query('DELETE FROM outbox WHERE sink = $1 AND seq = ANY($2::bigint[])', [
            sink,
            settlement.delivered,
          ]);
          if ((removed.rowCount ?? 0) > 0) await client.query(OUTBOX_SQL.countDelivered, [sink, removed.rowCount]);
          const failed = settlement.failed;
          if (failed) {
            await client.query(OUTBOX_SQL.fail, [sink, failed.seq, failed.error, failed.nextAttemptAt, failed.park ? 'parked' : 'pending']);
            if (failed.failure) await client.query(OUTBOX_SQL.countFailure, [sink, failed.error, failed.at]);
          }
          await client.query('COMMIT');
          client.release();
        } catch (error) {
          await client.query('ROLLBACK').catch(() => undefined);
          client.release(true);
          throw error;
        }
      }),
    replay: (query, now) =>
      guard(async () => {
        const { count, insert, params } = replaySql(query);
        if (query.dryRun) return Number((await pool.query<{ n: string }>(count, params)).rows[0]!.n);
        return (await pool.query(insert, [...params, now])).rowCount ?? 0;
      }),
    redrive: (query, now) =>
      guard(async () => (await pool.query(OUTBOX_SQL.redrive, [query.sink ?? null, query.eventId ?? null, now])).rowCount ?? 0),
    due: (sink, now, limit, ordered) =>
      guard(async () =>
        toDueItems(
          sink,
          await rows<DueRow>(ordered ? OUTBOX_SQL.dueOrdered : OUTBOX_SQL.dueAny, [sink, limit, ...(ordered ? [] : [now])]),
          now,
          ordered,
          codec,
        ),
      ),
    stats: () => guard(async () => toSinkStats(await rows(OUTBOX_SQL.queues), await rows(OUTBOX_SQL.sinks))),
    queuedFor: (seqs, queues) =>
      guard(async () =>
        (
          await rows<QueuedRow>(
            `SELECT sink, seq, state, attempts, next_attempt_at, last_error FROM outbox
             WHERE sink = ANY($1::text[]) AND seq = ANY($2::bigint[]) ORDER BY seq, sink`,
            [queues, seqs],
          )
        ).map(toQueuedItem),
      ),
    parked: (query) =>
      guard(async () => {
        const [seq, sink] = parkedCursor(query.after);
        return toParkedPage(await rows(OUTBOX_SQL.parked, [query.sink ?? null, seq, sink, query.limit]));
      }),
  };
}
