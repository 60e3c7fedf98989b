import path from 'node:path';
import { Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { systemClock, type Clock } from '../clock.js';
import { MAX_PAGE_BYTES, type EventQuery, type EventStore } from './event-store.js';
import { GroupCommit, type GroupCommitOptions } from './group-commit.js';
import {
  EVENT_COLUMNS,
  eventFilters,
  toPage,
  toQuarantineItem,
  toStoredEvent,
  withinBytes,
  type EventRow,
  type QuarantineRow,
} from './rows.js';
import type { CheckpointerData } from './sqlite-checkpointer.js';
import { LATEST_VERSION, newerSchemaError } from './migrations.js';
import { CHECKPOINT_INTERVAL_MS, SQLITE_FILE, type WriterData, type WriterReply, type WriterRequest } from './sqlite-writer.js';
import { sqliteOutbox, sqliteOutboxWrites, type OutboxWriteOp } from './sqlite-outbox.js';
import { sqliteAccess, sqliteAccessWrites, type AccessWriteOp } from './sqlite-access.js';
import { sqliteEventWrites } from './sqlite-event-writes.js';
import { prepareDataDir } from './sqlite-file.js';
import { sqlitePrivacy, sqlitePrivacyWrites, type PrivacyWriteOp } from './sqlite-privacy.js';
import { CLEAR_CODEC, createPayloadCodec, type PayloadCodec } from './payload-codec.js';
import type { PayloadKey } from '../privacy/payload-keys.js';
import { storeLifecycle, storeUnavailable, type LifecycleParts, type StoreWrite, type StoreWriteResult } from './store-lifecycle.js';

export { SQLITE_FILE };

type WithoutId<T> = T extends unknown ? Omit<T, 'id'> : never;
type SqliteQuarantineRow = Omit<QuarantineRow, 'issues'> & { issues: string };

const unavailable = (error: unknown) => storeUnavailable('sqlite', error);

/** The writer's error as an Error carrying SQLite's code (SQLITE_FULL, ...). */
const writerError = (error: { code?: string | undefined; message: string }) =>
  Object.assign(new Error(error.message), { code: error.code });

/**
 * Store threads hold a batch at a time. A small young generation keeps them lean; the old
 * generation's cap is a limit, not a reservation, and stays well above the largest batch
 * (STORE_BATCH_MAX × BODY_LIMIT: 256 × 256 KiB = 64 MiB by default).
 */
const THREAD_LIMITS = { maxYoungGenerationSizeMb: 4, maxOldGenerationSizeMb: 512 };

/** Starts one of the store's threads; under vitest/tsx (TypeScript sources) it is loaded through tsx. */
function storeThread(name: 'sqlite-writer' | 'sqlite-checkpointer', workerData: WriterData | CheckpointerData): Worker {
  if (import.meta.url.endsWith('.ts')) {
    const source = JSON.stringify(new URL(`./${name}.ts`, import.meta.url).href);
    return new Worker(`import('tsx/esm/api').then(({ register }) => { register(); return import(${source}); })`, {
      eval: true,
      workerData,
      resourceLimits: THREAD_LIMITS,
    });
  }
  return new Worker(new URL(`./${name}.js`, import.meta.url), { workerData, resourceLimits: THREAD_LIMITS });
}

/** The writer thread, spoken to by request id. */
function startWriter(data: WriterData, onStart?: (thread: Worker) => void) {
  const worker = storeThread('sqlite-writer', data);
  onStart?.(worker);
  const pending = new Map<number, { resolve(reply: WriterReply): void }>();
  let nextId = 1;
  let dead: Error | undefined;
  const ready = new Promise<void>((resolve, reject) => {
    pending.set(0, { resolve: (reply) => (reply.ok ? resolve() : reject(writerError(reply.error))) });
  });
  const fail = (error: Error) => {
    dead ??= error;
    for (const [, waiter] of pending) waiter.resolve({ id: -1, ok: false, error: { code: 'SQLITE_WRITER_GONE', message: error.message } });
    pending.clear();
  };
  worker.on('message', (reply: WriterReply) => {
    pending.get(reply.id)?.resolve(reply);
    pending.delete(reply.id);
  });
  worker.on('error', (error) => fail(error));
  worker.on('exit', () => fail(new Error('the SQLite writer thread has exited')));
  return {
    ready,
    isDead: () => dead !== undefined,
    /** Sends one request; rejects with the writer's error (code and message kept). */
    ask(request: WithoutId<WriterRequest>): Promise<WriterReply & { ok: true }> {
      if (dead) return Promise.reject(writerError({ code: 'SQLITE_WRITER_GONE', message: dead.message }));
      const id = nextId++;
      return new Promise((resolve, reject) => {
        pending.set(id, {
          resolve: (reply) => (reply.ok ? resolve(reply) : reject(writerError(reply.error))),
        });
        worker.postMessage({ ...request, id });
      });
    },
    terminate: () => worker.terminate(),
  };
}

export interface SqliteStoreOptions {
  dataDir: string;
  /** PAYLOAD_KEYS: bodies are sealed with the first; none: stored in clear. */
  payloadKeys?: readonly PayloadKey[] | undefined;
  batchMax: number;
  clock: Clock;
  onCommit?: GroupCommitOptions<unknown, unknown>['onCommit'];
  /** Where each newly stored event is queued when its caller did not say (see NewEvent.outbox). */
  routing?: LifecycleParts['routing'];
  /** Told when the writer thread died and a new one took over. */
  onWriterRestart?: (reason: string) => void;
  /** Told of each writer thread started (tests terminate it to show the store heals). */
  onWriterStart?: (thread: Worker) => void;
  /** Told of a data folder or file others may read (left as it is). */
  onWarning?: (message: string) => void;
}

/**
 * The embedded default: one SQLite file in WAL mode with synchronous=FULL. Writes are group
 * committed by a writer thread (the fsync happens off the event loop) and a promise resolves
 * only after its transaction is on disk. Reads use a connection of their own on this thread.
 */
export async function openSqliteStore(options: SqliteStoreOptions): Promise<EventStore> {
  const now = () => new Date(options.clock.now()).toISOString();
  for (const warning of prepareDataDir(options.dataDir)) options.onWarning?.(warning);
  const payloadKeys = [...(options.payloadKeys ?? [])];
  const codec = createPayloadCodec(payloadKeys);
  const spawnWriter = () =>
    startWriter({ role: 'sqlite-writer', dataDir: options.dataDir, now: now(), payloadKeys }, options.onWriterStart);
  let writer = spawnWriter();
  try {
    await writer.ready;
  } catch (error) {
    await writer.terminate();
    throw error;
  }
  /**
   * The writer thread, started again if it died (out of memory, a native fault): what it
   * was committing failed with a 503 and will be retried by the vendor; what follows must not
   * fail too until someone restarts the service. Committed data is in the file either way.
   */
  let restarting: Promise<void> | undefined;
  const liveWriter = async () => {
    if (!writer.isDead()) return writer;
    restarting ??= (async () => {
      const next = spawnWriter();
      await next.ready;
      writer = next;
      options.onWriterRestart?.('the SQLite writer thread had exited');
    })().finally(() => {
      restarting = undefined;
    });
    await restarting;
    return writer;
  };
  const checkpointer = storeThread('sqlite-checkpointer', { dataDir: options.dataDir, intervalMs: CHECKPOINT_INTERVAL_MS });
  const db = new Database(path.join(options.dataDir, SQLITE_FILE));
  db.pragma('busy_timeout = 5000');

  const writes = new GroupCommit<StoreWrite, StoreWriteResult>({
    maxBatch: options.batchMax,
    // The writer thread applies batches one after another in the order sent.
    maxInFlight: 2,
    onCommit: options.onCommit,
    async commit(batch) {
      try {
        return (await (await liveWriter()).ask({ kind: 'commit', writes: batch })).results!;
      } catch (error) {
        throw unavailable(error);
      }
    },
  });
  const lifecycle = storeLifecycle({
    backend: 'sqlite',
    clock: options.clock,
    codec,
    writes,
    routing: options.routing,
    probe: async () => (await liveWriter()).ask({ kind: 'probe', at: now() }),
    release: async () => {
      await writer.ask({ kind: 'close' }).catch(() => undefined);
      await writer.terminate();
      await new Promise((resolve) => {
        checkpointer.once('exit', resolve);
        checkpointer.postMessage('close');
      });
      db.close();
    },
  });
  const writerOp = async (request: WithoutId<WriterRequest & { kind: 'outbox' | 'access' | 'privacy' }>) => {
    try {
      return (await (await liveWriter()).ask(request)).value;
    } catch (error) {
      throw unavailable(error);
    }
  };
  return sqliteEventStore(lifecycle, db, codec, {
    outbox: (op, args) => writerOp({ kind: 'outbox', op, args }),
    access: (op, args) => writerOp({ kind: 'access', op, args }),
    privacy: (op, args) => writerOp({ kind: 'privacy', op, args }),
  });
}

type Reads = Pick<EventStore, 'listEvents' | 'getEvent' | 'listQuarantine' | 'getQuarantineItem' | 'installationId'>;

/** Where the outbox's and the access store's writes go: the writer thread, or the CLI's own connection. */
interface SideWrites {
  outbox(op: OutboxWriteOp, args: unknown[]): Promise<unknown>;
  access(op: AccessWriteOp, args: unknown[]): Promise<unknown>;
  privacy(op: PrivacyWriteOp, args: unknown[]): Promise<unknown>;
}

/** A store from its lifecycle (writes, check, close), the read side on `db`, and the outbox and access store (their writes by `side`). */
function sqliteEventStore(
  lifecycle: ReturnType<typeof storeLifecycle>,
  db: Database.Database,
  codec: PayloadCodec,
  side: SideWrites,
): EventStore {
  const { read, ...rest } = lifecycle;
  return {
    ...rest,
    ...sqliteReads(db, read, codec),
    outbox: sqliteOutbox(db, read, side.outbox, codec),
    access: sqliteAccess(db, read, side.access),
    privacy: sqlitePrivacy(db, read, side.privacy),
  };
}

/** The read side, on a connection of the calling thread; `read` guards each query (closed, errors). */
function sqliteReads(db: Database.Database, read: <T>(query: () => T) => Promise<T>, codec: PayloadCodec): Reads {
  const toEvent = (row: EventRow) => toStoredEvent(row, codec);
  const toQuarantined = (row: SqliteQuarantineRow) => toQuarantineItem({ ...row, issues: JSON.parse(row.issues) }, codec);
  const eventById = db.prepare(`SELECT ${EVENT_COLUMNS} FROM events WHERE id = ?`);
  const quarantinePage = db.prepare('SELECT * FROM quarantine WHERE seq > ? ORDER BY seq LIMIT ?');
  const quarantineById = db.prepare('SELECT * FROM quarantine WHERE id = ?');
  const eventPages = new Map<string, Database.Statement>();
  const installation = db.prepare('SELECT installation_id FROM installation WHERE id = 1').pluck();
  return {
    installationId: () => read(() => installation.get() as string),
    listEvents: (query: EventQuery) =>
      read(() => {
        const used = eventFilters(query);
        const order = query.newestFirst ? 'DESC' : 'ASC';
        const key = `${order}:${used.map(([column]) => column).join(',')}`;
        let statement = eventPages.get(key);
        if (!statement) {
          const where = ['seq > @after', ...used.map(([column]) => `${column} = @${column}`)].join(' AND ');
          statement = db.prepare(`SELECT ${EVENT_COLUMNS} FROM events WHERE ${where} ORDER BY seq ${order} LIMIT @limit`);
          eventPages.set(key, statement);
        }
        const params: Record<string, string | number> = {
          after: Number(query.after ?? 0),
          limit: query.limit,
          ...Object.fromEntries(used),
        };
        const rows = withinBytes(statement.iterate(params) as Iterable<EventRow>, query.maxBytes ?? MAX_PAGE_BYTES);
        return toPage(rows, toEvent);
      }),

    getEvent: (id) =>
      read(() => {
        const [row] = eventById.all(id) as EventRow[];
        return row ? toEvent(row) : null;
      }),

    listQuarantine: (query) =>
      read(() => {
        const rows = quarantinePage.all(Number(query.after ?? 0), query.limit) as SqliteQuarantineRow[];
        return toPage(rows, toQuarantined);
      }),

    getQuarantineItem: (id) =>
      read(() => {
        const [row] = quarantineById.all(id) as SqliteQuarantineRow[];
        return row ? toQuarantined(row) : null;
      }),
  };
}

/**
 * The log opened as the CLI needs it: one connection on this thread; no writer or checkpointer
 * thread, no migration, and a file is never created. Events are never written. The schema must be
 * the one this build knows. With `sideWrites` (redrive, keys, and every command that reads
 * payloads, which the audit trail records) the connection may write, and only the outbox's and
 * the access store's writes are let through, each in its own short transaction beside a running
 * service; without it the connection is read-only.
 */
export async function openSqliteReader(
  dataDir: string,
  options: { sideWrites?: boolean; payloadKeys?: readonly PayloadKey[] | undefined } = {},
): Promise<EventStore> {
  const db = new Database(path.join(dataDir, SQLITE_FILE), { readonly: !options.sideWrites, fileMustExist: true });
  const codec = options.payloadKeys ? createPayloadCodec(options.payloadKeys) : CLEAR_CODEC;
  try {
    db.pragma('busy_timeout = 5000');
    if (options.sideWrites) db.pragma('secure_delete = ON');
    const hasSchema =
      db.prepare("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'").pluck().get() === 1;
    const version = hasSchema ? Number(db.prepare('SELECT coalesce(max(version), 0) FROM schema_migrations').pluck().get()) : 0;
    if (version > LATEST_VERSION) throw newerSchemaError(version);
    if (version < LATEST_VERSION)
      throw new Error(
        `the database is at schema version ${version}, this build reads ${LATEST_VERSION}: start the service once (it migrates at start)`,
      );
  } catch (error) {
    db.close();
    throw error;
  }
  const lifecycle = storeLifecycle({
    backend: 'sqlite',
    clock: systemClock,
    codec,
    writes: new GroupCommit<StoreWrite, StoreWriteResult>({
      maxBatch: 1,
      commit: () => {
        throw unavailable(new Error('opened read-only'));
      },
    }),
    probe: () => db.prepare('SELECT 1').get(),
    release: () => db.close(),
  });
  const outboxWrites = options.sideWrites ? sqliteOutboxWrites(db) : undefined;
  const accessWrites = options.sideWrites ? sqliteAccessWrites(db) : undefined;
  const privacyWrites = options.sideWrites ? sqlitePrivacyWrites(db, codec, sqliteEventWrites(db).appendOne) : undefined;
  const writeWith =
    <Op extends string>(writes: Record<Op, unknown> | undefined) =>
    async (op: Op, args: unknown[]) => {
      if (!writes) throw unavailable(new Error('opened read-only'));
      return (writes[op] as (...a: unknown[]) => unknown)(...args);
    };
  return sqliteEventStore(lifecycle, db, codec, {
    outbox: writeWith(outboxWrites),
    access: writeWith(accessWrites),
    privacy: writeWith(privacyWrites),
  });
}
