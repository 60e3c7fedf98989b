import type { OutboxItem, Page, ParkedItem, ReplayQuery, SinkStats } from './event-store.js';
import { EVENT_COLUMNS, toStoredEvent, type EventRow } from './rows.js';
import type { PayloadCodec } from './payload-codec.js';

/**
 * The outbox's statements, written once for both backends: `$n` parameters (PostgreSQL's, and
 * SQLite's named `$1`, `$2`, bound from an object), Unix-millisecond times, portable SQL.
 */
export const OUTBOX_SQL = {
  /** Takes the lease when it is free, expired or already ours; returns a row only then. */
  lease: `
    INSERT INTO sinks (name, lease_owner, lease_until) VALUES ($1, $2, $4)
    ON CONFLICT (name) DO UPDATE SET lease_owner = excluded.lease_owner, lease_until = excluded.lease_until
    WHERE sinks.lease_owner = excluded.lease_owner OR sinks.lease_until <= $3
    RETURNING name`,
  release: 'UPDATE sinks SET lease_until = 0 WHERE name = $1 AND lease_owner = $2',
  enqueue: 'INSERT INTO outbox (sink, seq, queued_at, next_attempt_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING',
  dueOrdered: `
    SELECT o.attempts AS outbox_attempts, o.queued_at AS outbox_queued_at, o.next_attempt_at AS outbox_next, ${prefixed('e')}
    FROM outbox o JOIN events e ON e.seq = o.seq
    WHERE o.sink = $1 AND o.state = 'pending'
    ORDER BY o.seq LIMIT $2`,
  dueAny: `
    SELECT o.attempts AS outbox_attempts, o.queued_at AS outbox_queued_at, o.next_attempt_at AS outbox_next, ${prefixed('e')}
    FROM outbox o JOIN events e ON e.seq = o.seq
    WHERE o.sink = $1 AND o.state = 'pending' AND o.next_attempt_at <= $3
    ORDER BY o.next_attempt_at, o.seq LIMIT $2`,
  /** Counts one delivered batch ($2 items) on the sink. */
  countDelivered: `
    INSERT INTO sinks (name, delivered) VALUES ($1, $2)
    ON CONFLICT (name) DO UPDATE SET delivered = sinks.delivered + excluded.delivered`,
  /** $3 error, $4 next attempt, $5 the new state (pending or parked). */
  fail: `
    UPDATE outbox SET attempts = attempts + 1, last_error = $3, next_attempt_at = $4, state = $5
    WHERE sink = $1 AND seq = $2 AND state = 'pending'`,
  countFailure: `
    INSERT INTO sinks (name, failures, last_error, last_error_at) VALUES ($1, 1, $2, $3)
    ON CONFLICT (name) DO UPDATE SET failures = sinks.failures + 1, last_error = excluded.last_error, last_error_at = excluded.last_error_at`,
  queues: 'SELECT sink, state, count(*) AS n, min(queued_at) AS oldest FROM outbox GROUP BY sink, state',
  sinks: 'SELECT name, delivered, failures, last_error, last_error_at FROM sinks',
  /** $1 sink or null, ($2, $3) the cursor's seq and sink, $4 limit. */
  parked: `
    SELECT o.sink, o.seq, o.attempts, o.queued_at, o.last_error, e.id, e.provider, e.type, e.session_id
    FROM outbox o JOIN events e ON e.seq = o.seq
    WHERE o.state = 'parked' AND (CAST($1 AS TEXT) IS NULL OR o.sink = $1) AND (o.seq > $2 OR (o.seq = $2 AND o.sink > $3))
    ORDER BY o.seq, o.sink LIMIT $4`,
  /** $1 sink or null, $2 event id or null, $3 now: the item starts over (attempts and age). */
  redrive: `
    UPDATE outbox SET state = 'pending', attempts = 0, queued_at = $3, next_attempt_at = $3, last_error = NULL
    WHERE state = 'parked' AND (CAST($1 AS TEXT) IS NULL OR sink = $1)
      AND (CAST($2 AS TEXT) IS NULL OR seq IN (SELECT seq FROM events WHERE id = $2))`,
} as const;

/**
 * Replay's statements for one query: stored events not erased, not blocked and not already queued
 * for the sink, from the filters given (`since` inclusive, `until` exclusive, on the time received),
 * counted, or queued for the sink in seq order (the insert's last parameter is the time now).
 */
export function replaySql(query: ReplayQuery): { count: string; insert: string; params: unknown[] } {
  const params: unknown[] = [query.sink];
  const where = ['e.erased_at IS NULL', 'e.blocked = 0', 'NOT EXISTS (SELECT 1 FROM outbox o WHERE o.sink = $1 AND o.seq = e.seq)'];
  const filter = (clause: (param: string) => string, value: string | undefined) => {
    if (value === undefined) return;
    params.push(value);
    where.push(clause(`$${params.length}`));
  };
  filter((p) => `e.received_at >= ${p}`, query.since);
  filter((p) => `e.received_at < ${p}`, query.until);
  filter((p) => `e.type = ${p}`, query.type);
  const now = `$${params.length + 1}`;
  return {
    count: `SELECT count(*) AS n FROM events e WHERE ${where.join(' AND ')}`,
    insert: `INSERT INTO outbox (sink, seq, queued_at, next_attempt_at)
             SELECT $1, e.seq, ${now}, ${now} FROM events e WHERE ${where.join(' AND ')} ORDER BY e.seq
             ON CONFLICT DO NOTHING`,
    params,
  };
}

function prefixed(alias: string): string {
  return EVENT_COLUMNS.split(', ')
    .map((column) => `${alias}.${column}`)
    .join(', ');
}

export type DueRow = EventRow & { outbox_attempts: number; outbox_queued_at: number | string; outbox_next: number | string };

/** Due rows as items; ordered queues stop at the first item still waiting for its next attempt. */
export function toDueItems(sink: string, rows: DueRow[], now: number, ordered: boolean, codec: PayloadCodec): OutboxItem[] {
  const items: OutboxItem[] = [];
  for (const row of rows) {
    if (ordered && Number(row.outbox_next) > now) break;
    items.push({
      sink,
      seq: String(row.seq),
      attempts: row.outbox_attempts,
      queuedAt: Number(row.outbox_queued_at),
      event: toStoredEvent(row, codec),
    });
  }
  return items;
}

type QueueRow = { sink: string; state: string; n: number | string; oldest: number | string | null };
type SinkRow = {
  name: string;
  delivered: number | string;
  failures: number | string;
  last_error: string | null;
  last_error_at: number | string | null;
};

/** Per-sink figures from the queue counts and the sinks' own counters, sorted by name. */
export function toSinkStats(queues: QueueRow[], sinks: SinkRow[]): SinkStats[] {
  const byName = new Map<string, SinkStats>();
  const stats = (sink: string) => {
    let s = byName.get(sink);
    if (!s) {
      s = { sink, delivered: 0, failures: 0, pending: 0, parked: 0, held: 0, oldestPendingAt: null, lastError: null, lastErrorAt: null };
      byName.set(sink, s);
    }
    return s;
  };
  for (const row of sinks) {
    Object.assign(stats(row.name), {
      delivered: Number(row.delivered),
      failures: Number(row.failures),
      lastError: row.last_error,
      lastErrorAt: row.last_error_at === null ? null : Number(row.last_error_at),
    });
  }
  for (const row of queues) {
    const s = stats(row.sink);
    if (row.state === 'parked') s.parked = Number(row.n);
    else if (row.state === 'held') s.held = Number(row.n);
    else {
      s.pending = Number(row.n);
      s.oldestPendingAt = row.oldest === null ? null : Number(row.oldest);
    }
  }
  return [...byName.values()].sort((a, b) => a.sink.localeCompare(b.sink));
}

export type QueuedRow = {
  sink: string;
  seq: number | string;
  state: 'pending' | 'parked';
  attempts: number;
  next_attempt_at: number | string;
  last_error: string | null;
};

export const toQueuedItem = (r: QueuedRow) => ({
  sink: r.sink,
  seq: String(r.seq),
  state: r.state,
  attempts: r.attempts,
  nextAttemptAt: Number(r.next_attempt_at),
  lastError: r.last_error,
});

type ParkedRow = {
  sink: string;
  seq: number | string;
  attempts: number;
  queued_at: number | string;
  last_error: string | null;
  id: string;
  provider: string;
  type: string;
  session_id: string | null;
};

/** The cursor of a parked page: `<seq>:<sink>` of its last item. */
export function parkedCursor(after: string | undefined): [string, string] {
  if (after === undefined) return ['0', ''];
  const at = after.indexOf(':');
  return at < 0 ? [after, ''] : [after.slice(0, at), after.slice(at + 1)];
}

export function toParkedPage(rows: ParkedRow[]): Page<ParkedItem> {
  const items = rows.map((r) => ({
    sink: r.sink,
    seq: String(r.seq),
    eventId: r.id,
    provider: r.provider,
    type: r.type,
    sessionId: r.session_id,
    attempts: r.attempts,
    queuedAt: Number(r.queued_at),
    lastError: r.last_error,
  }));
  const last = items.at(-1);
  return { items, next: last ? `${last.seq}:${last.sink}` : null };
}

/** The statement for SQLite: the same text, its `$n` parameters bound by name from an array. */
export const sqliteParams = (values: unknown[]) => Object.fromEntries(values.map((v, i) => [String(i + 1), v]));
