import type { Subject } from './event-store.js';

/**
 * The statements of personal-data handling (blocking, erasure, retention, re-sealing), written
 * once for both backends with `$n` parameters. `dialect` only adds what PostgreSQL keeps beside the
 * body: its parsed copy (`payload`), dropped whenever the body is sealed or erased.
 */
export type Dialect = 'sqlite' | 'postgres';

/** The events of a subject ($1): a session's, or a reference's and those of every session carrying it. */
export const subjectEvents = (subject: Subject): string =>
  subject.kind === 'session'
    ? 'session_id = $1'
    : '(reference = $1 OR session_id IN (SELECT session_id FROM events WHERE reference = $1 AND session_id IS NOT NULL))';

/** How a block names the subject the admin gave: every row it adds (a reference's sessions too) carries it. */
export const originOf = (subject: Subject): string => `${subject.kind}:${subject.id}`;

/** What an erased quarantined body is set to (the column is not null). */
export const EMPTY_BODY = Buffer.alloc(0);

/**
 * An erasure's statements, in order, for both backends (each runs them in one transaction, then
 * stores the erasure notice): the subject's queued items dropped, its events' bodies destroyed
 * (`counts`: how many events were erased), its blocks dropped, the given quarantined bodies destroyed.
 */
export function eraseSteps(
  subject: Subject,
  erasure: { at: string; quarantineIds: string[] },
  dialect: Dialect,
): { sql: string; values: unknown[]; counts?: true }[] {
  return [
    { sql: PRIVACY_SQL.dropQueued(subject), values: [subject.id] },
    { sql: PRIVACY_SQL.eraseEvents(subject, dialect), values: [subject.id, erasure.at], counts: true },
    { sql: PRIVACY_SQL.dropBlocks(subject), values: [originOf(subject), subject.id] },
    ...erasure.quarantineIds.map((id) => ({ sql: PRIVACY_SQL.eraseQuarantined, values: [id, EMPTY_BODY, erasure.at] })),
  ];
}

const dropParsed = (dialect: Dialect) => (dialect === 'postgres' ? ', payload = NULL' : '');
const BLOCK_COLUMNS = 'kind, subject, origin, until, reason, created_at, created_by';
const REFRESH = `ON CONFLICT (kind, subject) DO UPDATE SET origin = excluded.origin, until = excluded.until,
                   reason = excluded.reason, created_at = excluded.created_at, created_by = excluded.created_by`;
const BLOCKED = `EXISTS (SELECT 1 FROM blocks b WHERE (b.kind = 'session' AND b.subject = events.session_id)
                                              OR (b.kind = 'reference' AND b.subject = events.reference))`;

export const PRIVACY_SQL = {
  /** $1 subject, $2 origin, $3 until, $4 reason, $5 at, $6 by. */
  blockSubject: (s: Subject) => `INSERT INTO blocks (${BLOCK_COLUMNS}) VALUES ('${s.kind}', $1, $2, $3, $4, $5, $6) ${REFRESH}`,
  /** A reference's sessions, blocked under the same origin (same parameters). */
  blockSessionsOf: `INSERT INTO blocks (${BLOCK_COLUMNS})
    SELECT DISTINCT CAST('session' AS TEXT), session_id, CAST($2 AS TEXT), CAST($3 AS TEXT), CAST($4 AS TEXT), CAST($5 AS TEXT), CAST($6 AS TEXT)
    FROM events WHERE reference = $1 AND session_id IS NOT NULL ${REFRESH}`,
  markBlocked: (s: Subject) => `UPDATE events SET blocked = 1 WHERE ${subjectEvents(s)} AND erased_at IS NULL`,
  holdQueued: (s: Subject) =>
    `UPDATE outbox SET state = 'held' WHERE state = 'pending' AND seq IN (SELECT seq FROM events WHERE ${subjectEvents(s)})`,

  /** $1 origin. */
  unblock: 'DELETE FROM blocks WHERE origin = $1',
  /** $1 subject: its events no other block still covers. */
  unmarkBlocked: (s: Subject) => `UPDATE events SET blocked = 0 WHERE ${subjectEvents(s)} AND blocked = 1 AND NOT ${BLOCKED}`,
  releaseHeld: (s: Subject) =>
    `UPDATE outbox SET state = 'pending' WHERE state = 'held' AND seq IN (SELECT seq FROM events WHERE ${subjectEvents(s)} AND blocked = 0)`,

  /** Applied to each batch's new events ($1 first seq, $2 last): a delivery for a blocked subject is stored blocked. */
  anyBlock: 'SELECT 1 AS x FROM blocks LIMIT 1',
  newBlocked: [
    `INSERT INTO blocks (${BLOCK_COLUMNS})
       SELECT DISTINCT CAST('session' AS TEXT), e.session_id, b.origin, b.until, b.reason, b.created_at, b.created_by
       FROM events e JOIN blocks b ON b.kind = 'reference' AND b.subject = e.reference
       WHERE e.seq BETWEEN $1 AND $2 AND e.session_id IS NOT NULL
     ON CONFLICT (kind, subject) DO NOTHING`,
    `UPDATE events SET blocked = 1 WHERE seq BETWEEN $1 AND $2 AND ${BLOCKED}`,
    `UPDATE outbox SET state = 'held' WHERE state = 'pending' AND seq BETWEEN $1 AND $2
       AND seq IN (SELECT seq FROM events WHERE seq BETWEEN $1 AND $2 AND blocked = 1)`,
  ],

  /** $1 subject. */
  subjectEventIds: (s: Subject) => `SELECT id FROM events WHERE ${subjectEvents(s)} ORDER BY seq`,
  dropQueued: (s: Subject) => `DELETE FROM outbox WHERE seq IN (SELECT seq FROM events WHERE ${subjectEvents(s)})`,
  /** $1 subject, $2 now. */
  eraseEvents: (s: Subject, dialect: Dialect) =>
    `UPDATE events SET raw_body = '', key_id = NULL, erased_at = $2, blocked = 0${dropParsed(dialect)}
     WHERE ${subjectEvents(s)} AND erased_at IS NULL`,
  /** $1 origin, $2 subject. */
  dropBlocks: (s: Subject) => `DELETE FROM blocks WHERE origin = $1 OR (kind = '${s.kind}' AND subject = $2)`,
  /** $1 quarantine id, $2 empty bytes, $3 now. */
  eraseQuarantined: 'UPDATE quarantine SET raw_body = $2, key_id = NULL, erased_at = $3 WHERE id = $1 AND erased_at IS NULL',

  /** $1 after seq, $2 limit: where a sweep goes on from (the columns before the body only). */
  eventTimes: 'SELECT seq, received_at FROM events WHERE seq > $1 ORDER BY seq LIMIT $2',
  quarantineTimes: 'SELECT seq, received_at FROM quarantine WHERE seq > $1 ORDER BY seq LIMIT $2',
  /** $1 from seq (exclusive), $2 to seq, $3 now, $4 cutoff. */
  expireEvents: (dialect: Dialect) =>
    `UPDATE events SET raw_body = '', key_id = NULL, erased_at = $3${dropParsed(dialect)}
     WHERE seq > $1 AND seq <= $2 AND erased_at IS NULL AND received_at < $4`,
  dropExpiredQueued: `DELETE FROM outbox WHERE seq > $1 AND seq <= $2 AND seq IN (SELECT seq FROM events WHERE seq > $1 AND seq <= $2 AND erased_at = $3)`,
  /** $1 from, $2 to, $3 now, $4 cutoff, $5 empty bytes. */
  expireQuarantine: `UPDATE quarantine SET raw_body = $5, key_id = NULL, erased_at = $3
     WHERE seq > $1 AND seq <= $2 AND erased_at IS NULL AND received_at < $4`,
  /** $1 now: the blocks whose date has come. */
  expiredBlocks: 'SELECT DISTINCT origin FROM blocks WHERE until <= $1 ORDER BY origin',
  /** $1 origin, or null for every block. */
  blocks: `SELECT ${BLOCK_COLUMNS} FROM blocks WHERE CAST($1 AS TEXT) IS NULL OR origin = $1 ORDER BY origin, kind, subject`,

  /** $1 current key id ('' when none), $2 after seq, $3 limit: bodies not sealed with the current key. */
  staleEvents: `SELECT seq, raw_body, key_id FROM events
     WHERE coalesce(key_id, '') <> $1 AND erased_at IS NULL AND seq > $2 ORDER BY seq LIMIT $3`,
  staleQuarantine: `SELECT seq, raw_body, key_id FROM quarantine
     WHERE coalesce(key_id, '') <> $1 AND erased_at IS NULL AND seq > $2 ORDER BY seq LIMIT $3`,
  /** $1 body, $2 key id, $3 seq, $4 the key id it was read with ('' for none): nothing changes if another writer got there first. */
  resealEvent: (dialect: Dialect) =>
    `UPDATE events SET raw_body = $1, key_id = $2${dropParsed(dialect)} WHERE seq = $3 AND coalesce(key_id, '') = $4 AND erased_at IS NULL`,
  resealQuarantined: `UPDATE quarantine SET raw_body = $1, key_id = $2 WHERE seq = $3 AND coalesce(key_id, '') = $4 AND erased_at IS NULL`,
  /** $1 the last key id found ('' to start): the next one in use, by the key_id index. */
  nextEventKey: 'SELECT min(key_id) AS k FROM events WHERE key_id > $1',
  nextQuarantineKey: 'SELECT min(key_id) AS k FROM quarantine WHERE key_id > $1',
} as const;

export interface BlockRow {
  kind: 'reference' | 'session';
  subject: string;
  origin: string;
  until: string;
  reason: string;
  created_at: string;
  created_by: string;
}
