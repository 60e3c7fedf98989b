import type Database from 'better-sqlite3';
import type { NewEvent, PassCursor, PrivacyStore, Subject } from './event-store.js';
import { sqliteParams } from './outbox-sql.js';
import type { PayloadCodec } from './payload-codec.js';
import { EMPTY_BODY, eraseSteps, PRIVACY_SQL, originOf, type BlockRow } from './privacy-sql.js';
import { expiredUpTo, resealBatch, toBlockInfo, toSubject, type StaleRow } from './privacy-rows.js';
import type { StoreWriteResult } from './store-lifecycle.js';

/**
 * Personal-data writes on a writing SQLite connection (the writer thread's, or the CLI's), each in
 * one IMMEDIATE transaction. After an erasure or a sweep that destroyed bodies, the WAL is
 * checkpointed and truncated, so (with secure_delete) no byte of them stays in any file.
 */
export function sqlitePrivacyWrites(db: Database.Database, codec: PayloadCodec, appendOne: (event: NewEvent) => StoreWriteResult) {
  const statements = new Map<string, Database.Statement>();
  const prepared = (sql: string) => {
    let statement = statements.get(sql);
    if (!statement) statements.set(sql, (statement = db.prepare(sql)));
    return statement;
  };
  const run = (sql: string, ...values: unknown[]) => prepared(sql).run(sqliteParams(values)).changes;
  const all = <R>(sql: string, ...values: unknown[]) => prepared(sql).all(sqliteParams(values)) as R[];

  /** Copies the WAL into the file and empties it; readers in the way are waited for, a little. */
  const truncateWal = () => {
    for (let tries = 0; tries < 50; tries += 1) {
      const [result] = db.pragma('wal_checkpoint(TRUNCATE)') as { busy: number }[];
      if (result?.busy === 0) return;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
    }
    throw Object.assign(new Error('the WAL could not be emptied: a reader held it for a second'), { code: 'SQLITE_BUSY' });
  };

  const block = db.transaction((subject: Subject, b: { until: string; reason: string; at: string; by: string }) => {
    const values = [subject.id, originOf(subject), b.until, b.reason, b.at, b.by];
    run(PRIVACY_SQL.blockSubject(subject), ...values);
    if (subject.kind === 'reference') run(PRIVACY_SQL.blockSessionsOf, ...values);
    const events = run(PRIVACY_SQL.markBlocked(subject), subject.id);
    run(PRIVACY_SQL.holdQueued(subject), subject.id);
    return events;
  });
  const unblock = db.transaction((subject: Subject) => {
    run(PRIVACY_SQL.unblock, originOf(subject));
    const events = run(PRIVACY_SQL.unmarkBlocked(subject), subject.id);
    run(PRIVACY_SQL.releaseHeld(subject), subject.id);
    return events;
  });
  const erase = db.transaction((subject: Subject, erasure: { at: string; quarantineIds: string[]; event: NewEvent }) => {
    let erased = 0;
    for (const step of eraseSteps(subject, erasure, 'sqlite')) {
      const changed = run(step.sql, ...step.values);
      if (step.counts) erased = changed;
    }
    appendOne(erasure.event);
    return erased;
  });
  const sweep = db.transaction(
    (after: PassCursor, cutoffs: { events: string | null; quarantine: string | null }, at: string, limit: number) => {
      const next = { ...after };
      let erased = 0;
      let done = true;
      for (const table of ['events', 'quarantine'] as const) {
        const cutoff = cutoffs[table];
        if (cutoff === null) continue;
        const rows = all<{ seq: number; received_at: string }>(
          table === 'events' ? PRIVACY_SQL.eventTimes : PRIVACY_SQL.quarantineTimes,
          Number(after[table]),
          limit,
        );
        const { upto, more } = expiredUpTo(
          rows.map((r) => ({ seq: r.seq, receivedAt: r.received_at })),
          cutoff,
          limit,
        );
        if (more) done = false;
        if (upto === undefined) continue;
        const range = [Number(after[table]), Number(upto), at, cutoff];
        if (table === 'events') {
          erased += run(PRIVACY_SQL.expireEvents('sqlite'), ...range);
          run(PRIVACY_SQL.dropExpiredQueued, ...range.slice(0, 3));
        } else erased += run(PRIVACY_SQL.expireQuarantine, ...range, EMPTY_BODY);
        next[table] = upto;
      }
      return { next, erased, done };
    },
  );
  const rekey = db.transaction((after: PassCursor, limit: number) => {
    const current = codec.currentKeyId ?? '';
    const events = all<StaleRow>(PRIVACY_SQL.staleEvents, current, Number(after.events), limit);
    const quarantined = all<StaleRow>(PRIVACY_SQL.staleQuarantine, current, Number(after.quarantine), limit);
    return resealBatch(codec, after, limit, { events, quarantined }, (table, values) =>
      run(table === 'events' ? PRIVACY_SQL.resealEvent('sqlite') : PRIVACY_SQL.resealQuarantined, ...values),
    );
  });

  return {
    block: (subject: Subject, b: { until: string; reason: string; at: string; by: string }) => block.immediate(subject, b),
    unblock: (subject: Subject) => unblock.immediate(subject),
    erase(subject: Subject, erasure: { at: string; quarantineIds: string[]; event: NewEvent }) {
      const erased = erase.immediate(subject, erasure);
      truncateWal();
      return erased;
    },
    sweep(after: PassCursor, cutoffs: { events: string | null; quarantine: string | null }, at: string, limit: number) {
      const result = sweep.immediate(after, cutoffs, at, limit);
      if (result.erased > 0) truncateWal();
      return result;
    },
    rekey(after: PassCursor, limit: number) {
      const result = rekey.immediate(after, limit);
      // Bodies stored in clear before encryption was turned on leave no copy behind either.
      if (result.resealed > 0 && result.done) truncateWal();
      return result;
    },
  };
}

export type PrivacyWriteOp = keyof ReturnType<typeof sqlitePrivacyWrites>;

/** Personal-data handling on SQLite: reads on `db` (this thread's connection), writes sent to `write`. */
export function sqlitePrivacy(
  db: Database.Database,
  read: <T>(query: () => T) => Promise<T>,
  write: (op: PrivacyWriteOp, args: unknown[]) => Promise<unknown>,
): PrivacyStore {
  const all = <R>(sql: string, ...values: unknown[]) => db.prepare(sql).all(sqliteParams(values)) as R[];
  const keys = (sql: string) => {
    const found: string[] = [];
    for (let k = all<{ k: string | null }>(sql, '')[0]?.k ?? null; k !== null; k = all<{ k: string | null }>(sql, k)[0]?.k ?? null)
      found.push(k);
    return found;
  };
  return {
    block: async (subject, b) => (await write('block', [subject, b])) as number,
    unblock: async (subject) => (await write('unblock', [subject])) as number,
    erase: async (subject, erasure) => (await write('erase', [subject, erasure])) as number,
    sweep: async (after, cutoffs, at, limit) =>
      (await write('sweep', [after, cutoffs, at, limit])) as Awaited<ReturnType<PrivacyStore['sweep']>>,
    rekey: async (after, limit) => (await write('rekey', [after, limit])) as Awaited<ReturnType<PrivacyStore['rekey']>>,
    blocks: (subject) => read(() => all<BlockRow>(PRIVACY_SQL.blocks, subject ? originOf(subject) : null).map(toBlockInfo)),
    subjectEventIds: (subject) => read(() => all<{ id: string }>(PRIVACY_SQL.subjectEventIds(subject), subject.id).map((r) => r.id)),
    expiredBlocks: (now) => read(() => all<{ origin: string }>(PRIVACY_SQL.expiredBlocks, now).map((r) => toSubject(r.origin))),
    keysInUse: () => read(() => [...new Set([...keys(PRIVACY_SQL.nextEventKey), ...keys(PRIVACY_SQL.nextQuarantineKey)])].sort()),
  };
}
