import { createHash, randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { Clock } from '../clock.js';
import { StoreUnavailableError } from '../errors.js';
import type { EventQuery, EventStore } from './event-store.js';
import { GroupCommit, type GroupCommitOptions } from './group-commit.js';
import { LATEST_VERSION, MIGRATIONS } from './migrations.js';
import { storeLifecycle, type StoreWrite, type StoreWriteResult } from './store-lifecycle.js';
import { eventFilters, toPage, toQuarantineItem, toStoredEvent, type EventRow, type QuarantineRow } from './rows.js';

export const SQLITE_FILE = 'events.sqlite3';


type SqliteEventRow = Omit<EventRow, 'payload'> & { payload: string };
type SqliteQuarantineRow = Omit<QuarantineRow, 'issues'> & { issues: string };

function unavailable(error: unknown): StoreUnavailableError {
  const e = error as { code?: string; message?: string };
  return new StoreUnavailableError(`sqlite: ${e.code ?? 'error'}: ${e.message ?? String(error)}`, { cause: error });
}

/** Applies pending migrations under SQLite's write lock, so two processes starting together do not race. */
function migrate(db: Database.Database, clock: Clock): void {
  db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)');
  db.transaction(() => {
    const done = new Set(db.prepare('SELECT version FROM schema_migrations').pluck().all() as number[]);
    const newest = Math.max(0, ...done);
    if (newest > LATEST_VERSION) {
      throw new Error(`the database is at schema version ${newest}, newer than this build knows (${LATEST_VERSION}); run a newer release`);
    }
    const record = db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)');
    for (const m of MIGRATIONS) {
      if (done.has(m.version)) continue;
      db.exec(m.sqlite);
      record.run(m.version, m.name, new Date(clock.now()).toISOString());
    }
  }).immediate();
}

export interface SqliteStoreOptions {
  dataDir: string;
  batchMax: number;
  clock: Clock;
  onCommit?: GroupCommitOptions<unknown, unknown>['onCommit'];
}

/**
 * The embedded default: one SQLite file in WAL mode with synchronous=FULL, so a commit is on disk
 * (fsync) before a promise resolves. Writes go through a group commit.
 */
export function openSqliteStore(options: SqliteStoreOptions): EventStore {
  mkdirSync(options.dataDir, { recursive: true });
  const db = new Database(path.join(options.dataDir, SQLITE_FILE));
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('busy_timeout = 5000');
    migrate(db, options.clock);
  } catch (error) {
    db.close();
    throw error;
  }

  // Writes use .all()/.run(), never .get(): .get() on a write inside a transaction can hide the
  // commit's error (SQLITE_FULL) and report success for nothing stored (TOOLCHAIN.md).
  const insertEvent = db.prepare(`
    INSERT INTO events (id, provider, type, session_id, reference, status, integration, dedupe_key,
                        received_at, last_delivered_at, deliveries, payload, raw_body)
    VALUES (@id, @provider, @type, @sessionId, @reference, @status, @integration, @dedupeKey,
            @receivedAt, @receivedAt, 1, @payload, @rawBody)
    ON CONFLICT (dedupe_key) DO UPDATE SET deliveries = deliveries + 1, last_delivered_at = excluded.last_delivered_at
    RETURNING id, seq, deliveries`);
  const insertQuarantine = db.prepare(`
    INSERT INTO quarantine (id, provider, reason, body_hash, issues, raw_body, received_at, last_delivered_at, deliveries)
    VALUES (@id, @provider, @reason, @bodyHash, @issues, @rawBody, @receivedAt, @receivedAt, 1)
    ON CONFLICT (provider, body_hash) DO UPDATE SET deliveries = deliveries + 1, last_delivered_at = excluded.last_delivered_at
    RETURNING id, deliveries`);
  const probe = db.prepare('INSERT INTO store_probe (id, checked_at) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET checked_at = excluded.checked_at');
  const eventById = db.prepare('SELECT * FROM events WHERE id = ?');
  const quarantinePage = db.prepare('SELECT * FROM quarantine WHERE seq > ? ORDER BY seq LIMIT ?');
  const quarantineById = db.prepare('SELECT * FROM quarantine WHERE id = ?');
  const eventPages = new Map<string, Database.Statement>();

  const apply = (write: StoreWrite): StoreWriteResult => {
    if (write.kind === 'event') {
      const [row] = insertEvent.all({ ...write.event, id: randomUUID() }) as { id: string; seq: number; deliveries: number }[];
      return { id: row!.id, seq: String(row!.seq), deliveries: row!.deliveries, duplicate: row!.deliveries > 1 };
    }
    const { item } = write;
    const [row] = insertQuarantine.all({
      id: randomUUID(), provider: item.provider, reason: item.reason,
      bodyHash: createHash('sha256').update(item.rawBody).digest('hex'),
      issues: JSON.stringify(item.issues), rawBody: item.rawBody, receivedAt: item.receivedAt,
    }) as { id: string; deliveries: number }[];
    return { id: row!.id, deliveries: row!.deliveries, duplicate: row!.deliveries > 1 };
  };

  const commitAll = db.transaction((batch: StoreWrite[]) => batch.map(apply));
  const writes = new GroupCommit<StoreWrite, StoreWriteResult>({
    maxBatch: options.batchMax,
    onCommit: options.onCommit,
    commit(batch) {
      try {
        return commitAll(batch);
      } catch (error) {
        throw unavailable(error);
      }
    },
  });

  const lifecycle = storeLifecycle({
    backend: 'sqlite',
    writes,
    probe: () => probe.run(new Date(options.clock.now()).toISOString()),
    release: () => db.close(),
    unavailable,
  });
  const read = <T>(fn: () => T): Promise<T> => {
    if (lifecycle.closed()) return Promise.reject(new StoreUnavailableError('sqlite: store is closed'));
    try {
      return Promise.resolve(fn());
    } catch (error) {
      return Promise.reject(unavailable(error));
    }
  };

  return {
    append: lifecycle.append,
    quarantine: lifecycle.quarantine,
    check: lifecycle.check,
    close: lifecycle.close,
    listEvents: (query: EventQuery) =>
      read(() => {
        const used = eventFilters(query);
        const order = query.newestFirst ? 'DESC' : 'ASC';
        const key = `${order}:${used.map(([column]) => column).join(',')}`;
        let statement = eventPages.get(key);
        if (!statement) {
          const where = ['seq > ?', ...used.map(([column]) => `${column} = ?`)].join(' AND ');
          statement = db.prepare(`SELECT * FROM events WHERE ${where} ORDER BY seq ${order} LIMIT ?`);
          eventPages.set(key, statement);
        }
        const rows = statement.all(Number(query.after ?? 0), ...used.map(([, value]) => value), query.limit) as SqliteEventRow[];
        return toPage(rows, (r) => toStoredEvent({ ...r, payload: JSON.parse(r.payload) }));
      }),

    getEvent: (id) =>
      read(() => {
        const [row] = eventById.all(id) as SqliteEventRow[];
        return row ? toStoredEvent({ ...row, payload: JSON.parse(row.payload) }) : null;
      }),

    listQuarantine: (query) =>
      read(() => {
        const rows = quarantinePage.all(Number(query.after ?? 0), query.limit) as SqliteQuarantineRow[];
        return toPage(rows, (r) => toQuarantineItem({ ...r, issues: JSON.parse(r.issues) }));
      }),

    getQuarantineItem: (id) =>
      read(() => {
        const [row] = quarantineById.all(id) as SqliteQuarantineRow[];
        return row ? toQuarantineItem({ ...row, issues: JSON.parse(row.issues) }) : null;
      }),

  };
}
