import { createHash, randomUUID } from 'node:crypto';
import pg from 'pg';
import type { Clock } from '../clock.js';
import { StoreRejectedError, type StoreUnavailableError } from '../errors.js';
import type { Logger } from '../logger.js';
import { MAX_PAGE_BYTES, type EventQuery, type EventStore, type NewEvent, type NewQuarantineItem } from './event-store.js';
import { GroupCommit, type GroupCommitOptions } from './group-commit.js';
import { LATEST_VERSION, MIGRATIONS, newerSchemaError } from './migrations.js';
import { enqueuePostgres, postgresOutbox } from './postgres-outbox.js';
import { postgresAccess } from './postgres-access.js';
import { blockNewPostgres, postgresPrivacy } from './postgres-privacy.js';
import { createPayloadCodec } from './payload-codec.js';
import type { PayloadKey } from '../privacy/payload-keys.js';
import { storeLifecycle, storeUnavailable, type LifecycleParts, type StoreWrite, type StoreWriteResult } from './store-lifecycle.js';
import { EVENT_COLUMNS, eventFilters, toPage, toQuarantineItem, toStoredEvent, type EventRow, type QuarantineRow } from './rows.js';

/** Advisory lock keys (a namespace and a purpose), so they cannot collide with other software's. */
const LOCK_NAMESPACE = 0x494e45; // "INE"
const MIGRATE_LOCK = 1;
const APPEND_LOCK = 2;

export interface PostgresStoreOptions {
  url: string;
  poolMax: number;
  /** Each statement, and each wait for a connection, is bounded by these (no hanging requests). */
  queryTimeoutMs: number;
  connectTimeoutMs: number;
  batchMax: number;
  clock: Clock;
  /** Apply pending migrations at open (under an advisory lock); false: refuse an outdated schema. */
  migrate: boolean;
  logger?: Logger | undefined;
  onCommit?: GroupCommitOptions<unknown, unknown>['onCommit'];
  /** Where each newly stored event is queued when its caller did not say (see NewEvent.outbox). */
  routing?: LifecycleParts['routing'];
  /** PAYLOAD_KEYS: bodies are sealed with the first; none: stored in clear. */
  payloadKeys?: readonly PayloadKey[] | undefined;
}

const unavailable = (error: unknown) => storeUnavailable('postgres', error);

/**
 * Errors about one row's data (SQLSTATE classes 22 data exception, 23 integrity, 54 program limit,
 * such as a JSON nested past the server's stack depth) are worth retrying item by item; outages are not.
 */
const isDataError = (error: unknown) => {
  const code = (error as { cause?: { code?: unknown } }).cause?.code;
  return typeof code === 'string' && /^(22|23|54)/.test(code);
};

/** Applies pending migrations; one replica at a time (session advisory lock), each step in its own transaction. */
export async function migratePostgres(pool: pg.Pool, clock: Clock): Promise<{ applied: number[]; version: number }> {
  const client = await pool.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1, $2)', [LOCK_NAMESPACE, MIGRATE_LOCK]);
    try {
      await client.query(
        'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL)',
      );
      const done = new Set((await client.query<{ version: number }>('SELECT version FROM schema_migrations')).rows.map((r) => r.version));
      const newest = Math.max(0, ...done);
      if (newest > LATEST_VERSION) {
        throw newerSchemaError(newest);
      }
      const applied: number[] = [];
      for (const m of MIGRATIONS) {
        if (done.has(m.version)) continue;
        await client.query('BEGIN');
        try {
          await client.query(m.postgres);
          await client.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [
            m.version,
            m.name,
            new Date(clock.now()),
          ]);
          await client.query('COMMIT');
        } catch (error) {
          await client.query('ROLLBACK');
          throw error;
        }
        applied.push(m.version);
      }
      return { applied, version: Math.max(newest, ...applied) };
    } finally {
      await client.query('SELECT pg_advisory_unlock($1, $2)', [LOCK_NAMESPACE, MIGRATE_LOCK]);
    }
  } finally {
    client.release();
  }
}

async function schemaVersion(pool: pg.Pool): Promise<number> {
  const exists = await pool.query("SELECT to_regclass('schema_migrations') IS NOT NULL AS ok");
  if (!exists.rows[0].ok) return 0;
  return Number((await pool.query('SELECT coalesce(max(version), 0) AS v FROM schema_migrations')).rows[0].v);
}

export function createPool(
  options: Pick<PostgresStoreOptions, 'url' | 'poolMax' | 'queryTimeoutMs' | 'connectTimeoutMs' | 'logger'>,
): pg.Pool {
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.poolMax,
    connectionTimeoutMillis: options.connectTimeoutMs,
    query_timeout: options.queryTimeoutMs,
    statement_timeout: options.queryTimeoutMs,
    idle_in_transaction_session_timeout: options.queryTimeoutMs * 2,
    application_name: 'ine-webhooks',
  });
  // An idle connection dropped by a database restart emits 'error' on the pool; unhandled, it
  // would kill the process. The pool replaces the connection; the next query reconnects.
  pool.on('error', (error) =>
    options.logger?.warn({ err: { message: error.message, code: (error as { code?: string }).code } }, 'postgres connection lost'),
  );
  return pool;
}

/**
 * PostgreSQL backend for several replicas. A write commits before its promise resolves. Every
 * write transaction first takes one transaction-scoped advisory lock, so `seq` values (assigned
 * at insert) become visible in the order they were assigned: a reader paging `after=<seq>` can
 * never pass a lower seq that commits later. Group commit keeps that lock to one short
 * transaction per batch.
 */
export async function openPostgresStore(options: PostgresStoreOptions): Promise<EventStore> {
  const pool = createPool(options);
  try {
    if (options.migrate) await migratePostgres(pool, options.clock);
    else {
      const version = await schemaVersion(pool);
      if (version < LATEST_VERSION) {
        throw new Error(
          `the database schema is at version ${version}, this build needs ${LATEST_VERSION}: run "ine-webhooks migrate" (or set MIGRATE_ON_START=true)`,
        );
      }
    }
  } catch (error) {
    await pool.end();
    throw error;
  }

  /**
   * One statement for a batch's events (one round trip, not one per event). A statement may not
   * touch the same row twice, so a redelivery inside the batch goes in a following round, where
   * it counts as the second delivery it is. RETURNING gives no order: rows are matched by id.
   */
  const appendEvents = async (client: pg.PoolClient, events: { event: NewEvent; index: number }[], results: StoreWriteResult[]) => {
    let pending = events;
    const newSeqs: number[] = [];
    while (pending.length > 0) {
      const ids = new Set<string>();
      const round: typeof pending = [];
      const later: typeof pending = [];
      for (const item of pending) {
        if (ids.has(item.event.id)) later.push(item);
        else {
          ids.add(item.event.id);
          round.push(item);
        }
      }
      const column = <K extends keyof NewEvent>(key: K) => round.map(({ event }) => event[key]);
      const { rows } = await client.query<{ id: string; seq: string; deliveries: number }>(
        `INSERT INTO events (id, provider, type, session_id, reference, status, vendor_time, integration,
                             received_at, last_delivered_at, deliveries, payload, raw_body, key_id)
         SELECT id, provider, type, session_id, reference, status, vendor_time, integration, received_at, received_at, 1,
                CASE WHEN key_id IS NULL THEN raw_body::json END, raw_body, key_id
         FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::timestamptz[], $10::text[], $11::text[])
              WITH ORDINALITY AS e (id, provider, type, session_id, reference, status, vendor_time, integration, received_at, raw_body, key_id, n)
         ORDER BY n
         ON CONFLICT (id) DO UPDATE SET deliveries = events.deliveries + 1, last_delivered_at = EXCLUDED.last_delivered_at
         RETURNING id, seq, deliveries`,
        // The json column takes the exact text: no re-serialisation on the hot path.
        [
          column('id'),
          column('provider'),
          column('type'),
          column('sessionId'),
          column('reference'),
          column('status'),
          column('vendorTime'),
          column('integration'),
          column('receivedAt'),
          column('rawBody'),
          round.map(({ event }) => event.keyId ?? null),
        ],
      );
      const byId = new Map(rows.map((row) => [row.id, row]));
      const stored: { event: NewEvent; seq: string }[] = [];
      for (const { event, index } of round) {
        const row = byId.get(event.id)!;
        results[index] = { id: row.id, seq: String(row.seq), deliveries: row.deliveries, duplicate: row.deliveries > 1 };
        if (row.deliveries === 1) stored.push({ event, seq: String(row.seq) });
      }
      await enqueuePostgres(client, stored);
      newSeqs.push(...stored.map((s) => Number(s.seq)));
      pending = later;
    }
    await blockNewPostgres(client, newSeqs);
  };

  const quarantine = async (client: pg.PoolClient, q: NewQuarantineItem): Promise<StoreWriteResult> => {
    const { rows } = await client.query<{ id: string; deliveries: number }>(
      `INSERT INTO quarantine (id, provider, reason, body_hash, issues, raw_body, received_at, last_delivered_at, deliveries, key_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $7, 1, $8)
       ON CONFLICT (provider, body_hash) DO UPDATE SET deliveries = quarantine.deliveries + 1, last_delivered_at = EXCLUDED.last_delivered_at
       RETURNING id, deliveries`,
      [
        randomUUID(),
        q.provider,
        q.reason,
        q.bodyHash ?? createHash('sha256').update(q.rawBody).digest('hex'),
        JSON.stringify(q.issues),
        q.rawBody,
        q.receivedAt,
        q.keyId ?? null,
      ],
    );
    const row = rows[0]!;
    return { id: row.id, deliveries: row.deliveries, duplicate: row.deliveries > 1 };
  };

  const applyBatch = async (client: pg.PoolClient, batch: StoreWrite[]): Promise<StoreWriteResult[]> => {
    const results: StoreWriteResult[] = new Array(batch.length);
    const events: { event: NewEvent; index: number }[] = [];
    for (const [index, write] of batch.entries()) {
      if (write.kind === 'event') events.push({ event: write.event, index });
      else results[index] = await quarantine(client, write.item);
    }
    await appendEvents(client, events, results);
    return results;
  };

  /**
   * Runs `work` in one transaction that appends events (the advisory lock first, see above); a
   * failure rolls back and becomes StoreUnavailableError.
   */
  const appendTransaction = async <T>(
    work: (client: pg.PoolClient) => Promise<T>,
    onDataError?: (error: StoreUnavailableError) => never,
  ): Promise<T> => {
    let client: pg.PoolClient;
    try {
      client = await pool.connect();
    } catch (error) {
      throw unavailable(error);
    }
    try {
      await client.query('BEGIN');
      await client.query('SELECT pg_advisory_xact_lock($1, $2)', [LOCK_NAMESPACE, APPEND_LOCK]);
      const result = await work(client);
      await client.query('COMMIT');
      client.release();
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      // The connection may be mid-statement or dead: do not hand it to the next batch.
      client.release(true);
      const failure = unavailable(error);
      if (onDataError && isDataError(failure)) onDataError(failure);
      throw failure;
    }
  };

  const writes = new GroupCommit<StoreWrite, StoreWriteResult>({
    maxBatch: options.batchMax,
    onCommit: options.onCommit,
    isolate: isDataError,
    commit: (batch) =>
      appendTransaction(
        (client) => applyBatch(client, batch),
        (failure) => {
          // One write alone that the database refuses for its data fails the same way every time.
          if (batch.length === 1) throw new StoreRejectedError(failure.message, { cause: failure.cause });
          throw failure;
        },
      ),
  });

  const codec = createPayloadCodec(options.payloadKeys ?? []);
  const lifecycle = storeLifecycle({
    backend: 'postgres',
    clock: options.clock,
    codec,
    writes,
    routing: options.routing,
    probe: () =>
      pool.query(
        'INSERT INTO store_probe (id, checked_at) VALUES (1, now()) ON CONFLICT (id) DO UPDATE SET checked_at = EXCLUDED.checked_at',
      ),
    release: () => pool.end(),
  });
  const read = <R extends pg.QueryResultRow>(text: string, values: unknown[]) =>
    lifecycle.read(async () => (await pool.query<R>(text, values)).rows);

  return {
    append: lifecycle.append,
    quarantine: lifecycle.quarantine,
    check: lifecycle.check,
    close: lifecycle.close,
    outbox: postgresOutbox(pool, lifecycle.read, codec),
    privacy: postgresPrivacy({
      pool,
      guard: lifecycle.read,
      codec,
      appendTransaction,
      appendOne: async (client, event) => appendEvents(client, [{ event, index: 0 }], []),
    }),
    access: postgresAccess(pool, lifecycle.read),

    async listEvents(query: EventQuery) {
      const used = eventFilters(query);
      const where = ['seq > $1', ...used.map(([column], i) => `${column} = $${i + 2}`)].join(' AND ');
      const order = query.newestFirst ? 'DESC' : 'ASC';
      // The page's rows up to the byte bound, counted by the server: bodies past it are never sent.
      const rows = await read<EventRow>(
        `SELECT ${EVENT_COLUMNS} FROM (
           SELECT *, sum(octet_length(raw_body)) OVER (ORDER BY seq ${order}) AS upto, row_number() OVER (ORDER BY seq ${order}) AS n
           FROM (SELECT ${EVENT_COLUMNS} FROM events WHERE ${where} ORDER BY seq ${order} LIMIT $${used.length + 2}) page
         ) sized
         WHERE n = 1 OR upto <= $${used.length + 3}
         ORDER BY seq ${order}`,
        [query.after ?? '0', ...used.map(([, value]) => value), query.limit, query.maxBytes ?? MAX_PAGE_BYTES],
      );
      return toPage(rows, (row) => toStoredEvent(row, codec));
    },

    async installationId() {
      const [row] = await read<{ installation_id: string }>('SELECT installation_id FROM installation WHERE id = 1', []);
      return row!.installation_id;
    },

    async getEvent(id) {
      const [row] = await read<EventRow>(`SELECT ${EVENT_COLUMNS} FROM events WHERE id = $1`, [id]);
      return row ? toStoredEvent(row, codec) : null;
    },

    async listQuarantine(query) {
      const rows = await read<QuarantineRow>('SELECT * FROM quarantine WHERE seq > $1 ORDER BY seq LIMIT $2', [
        query.after ?? '0',
        query.limit,
      ]);
      return toPage(rows, (row) => toQuarantineItem(row, codec));
    },

    async getQuarantineItem(id) {
      const [row] = await read<QuarantineRow>('SELECT * FROM quarantine WHERE id = $1', [id]);
      return row ? toQuarantineItem(row, codec) : null;
    },
  };
}
