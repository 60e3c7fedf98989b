import type pg from 'pg';
import type { NewEvent, PassCursor, PrivacyStore, Subject } from './event-store.js';
import type { PayloadCodec } from './payload-codec.js';
import { EMPTY_BODY, eraseSteps, PRIVACY_SQL, originOf, type BlockRow } from './privacy-sql.js';
import { expiredUpTo, resealBatch, toBlockInfo, toSubject, type StaleRow } from './privacy-rows.js';

/** New events of a blocked subject are stored blocked, their queued items held (in the append's transaction). */
export async function blockNewPostgres(client: pg.PoolClient, seqs: number[]): Promise<void> {
  if (seqs.length === 0 || (await client.query(PRIVACY_SQL.anyBlock)).rowCount === 0) return;
  const range = [Math.min(...seqs), Math.max(...seqs)];
  for (const sql of PRIVACY_SQL.newBlocked) await client.query(sql, range);
}

export interface PostgresPrivacyParts {
  pool: pg.Pool;
  /** Runs a read; its failure is said as the store being unavailable. */
  guard: <T>(query: () => Promise<T>) => Promise<T>;
  codec: PayloadCodec;
  /** A transaction that may append events (it takes the append lock first). */
  appendTransaction: <T>(work: (client: pg.PoolClient) => Promise<T>) => Promise<T>;
  appendOne(client: pg.PoolClient, event: NewEvent): Promise<void>;
}

/** Personal-data handling on PostgreSQL, each operation one transaction. */
export function postgresPrivacy({ pool, guard, codec, appendTransaction, appendOne }: PostgresPrivacyParts): PrivacyStore {
  const rows = <R extends pg.QueryResultRow>(sql: string, values: unknown[] = []) =>
    guard(async () => (await pool.query<R>(sql, values)).rows);
  const keys = async (sql: string) => {
    const found: string[] = [];
    for (
      let k = (await rows<{ k: string | null }>(sql, ['']))[0]?.k ?? null;
      k !== null;
      k = (await rows<{ k: string | null }>(sql, [k]))[0]?.k ?? null
    ) {
      found.push(k);
    }
    return found;
  };
  const count = async (client: pg.PoolClient, sql: string, values: unknown[]) => (await client.query(sql, values)).rowCount ?? 0;
  return {
    block: (subject, b) =>
      appendTransaction(async (client) => {
        const values = [subject.id, originOf(subject), b.until, b.reason, b.at, b.by];
        await client.query(PRIVACY_SQL.blockSubject(subject), values);
        if (subject.kind === 'reference') await client.query(PRIVACY_SQL.blockSessionsOf, values);
        const events = await count(client, PRIVACY_SQL.markBlocked(subject), [subject.id]);
        await client.query(PRIVACY_SQL.holdQueued(subject), [subject.id]);
        return events;
      }),
    unblock: (subject) =>
      appendTransaction(async (client) => {
        await client.query(PRIVACY_SQL.unblock, [originOf(subject)]);
        const events = await count(client, PRIVACY_SQL.unmarkBlocked(subject), [subject.id]);
        await client.query(PRIVACY_SQL.releaseHeld(subject), [subject.id]);
        return events;
      }),
    erase: (subject: Subject, erasure) =>
      appendTransaction(async (client) => {
        let erased = 0;
        for (const step of eraseSteps(subject, erasure, 'postgres')) {
          const changed = await count(client, step.sql, step.values);
          if (step.counts) erased = changed;
        }
        await appendOne(client, erasure.event);
        return erased;
      }),
    sweep: (after: PassCursor, cutoffs, at, limit) =>
      appendTransaction(async (client) => {
        const next = { ...after };
        let erased = 0;
        let done = true;
        for (const table of ['events', 'quarantine'] as const) {
          const cutoff = cutoffs[table];
          if (cutoff === null) continue;
          const times = (
            await client.query<{ seq: string; received_at: Date }>(
              table === 'events' ? PRIVACY_SQL.eventTimes : PRIVACY_SQL.quarantineTimes,
              [after[table], limit],
            )
          ).rows;
          const { upto, more } = expiredUpTo(
            times.map((r) => ({ seq: r.seq, receivedAt: r.received_at.toISOString() })),
            cutoff,
            limit,
          );
          if (more) done = false;
          if (upto === undefined) continue;
          const range = [after[table], upto, at, cutoff];
          if (table === 'events') {
            erased += await count(client, PRIVACY_SQL.expireEvents('postgres'), range);
            await client.query(PRIVACY_SQL.dropExpiredQueued, range.slice(0, 3));
          } else erased += await count(client, PRIVACY_SQL.expireQuarantine, [...range, EMPTY_BODY]);
          next[table] = upto;
        }
        return { next, erased, done };
      }),
    rekey: (after, limit) =>
      guard(async () => {
        const client = await pool.connect();
        try {
          await client.query('BEGIN');
          const current = codec.currentKeyId ?? '';
          const events = (await client.query<StaleRow>(`${PRIVACY_SQL.staleEvents} FOR UPDATE`, [current, after.events, limit])).rows;
          const quarantined = (
            await client.query<StaleRow>(`${PRIVACY_SQL.staleQuarantine} FOR UPDATE`, [current, after.quarantine, limit])
          ).rows;
          const updates: [string, unknown[]][] = [];
          const result = resealBatch(codec, after, limit, { events, quarantined }, (table, values) => {
            updates.push([table === 'events' ? PRIVACY_SQL.resealEvent('postgres') : PRIVACY_SQL.resealQuarantined, values]);
            return 1;
          });
          for (const [sql, values] of updates) await client.query(sql, values);
          await client.query('COMMIT');
          return result;
        } catch (error) {
          await client.query('ROLLBACK').catch(() => undefined);
          throw error;
        } finally {
          client.release();
        }
      }),
    blocks: async (subject) => (await rows<BlockRow>(PRIVACY_SQL.blocks, [subject ? originOf(subject) : null])).map(toBlockInfo),
    subjectEventIds: async (subject) => (await rows<{ id: string }>(PRIVACY_SQL.subjectEventIds(subject), [subject.id])).map((r) => r.id),
    expiredBlocks: async (now) => (await rows<{ origin: string }>(PRIVACY_SQL.expiredBlocks, [now])).map((r) => toSubject(r.origin)),
    keysInUse: async () => [...new Set([...(await keys(PRIVACY_SQL.nextEventKey)), ...(await keys(PRIVACY_SQL.nextQuarantineKey))])].sort(),
  };
}
