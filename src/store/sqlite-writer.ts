/**
 * The SQLite write side, run in a worker thread: it owns the writing connection, applies
 * migrations, and commits batches (one transaction, one fsync with synchronous=FULL). The fsync
 * blocks this thread, not the event loop that serves HTTP. Messages: see WriterRequest.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { registerLookupKey } from './lookup-key.js';
import { sqliteOutboxWrites, type OutboxWriteOp } from './sqlite-outbox.js';
import { sqliteAccessWrites, type AccessWriteOp } from './sqlite-access.js';
import { sqliteEventWrites } from './sqlite-event-writes.js';
import { sqlitePrivacyWrites, type PrivacyWriteOp } from './sqlite-privacy.js';
import { createPayloadCodec, type PayloadCodec } from './payload-codec.js';
import type { PayloadKey } from '../privacy/payload-keys.js';
import { LATEST_VERSION, MIGRATIONS, newerSchemaError } from './migrations.js';
import type { StoreWrite, StoreWriteResult } from './store-lifecycle.js';
import { SQLITE_FILE } from './sqlite-file.js';

export { SQLITE_FILE };
/** WAL frames (pages) at which the committing connection checkpoints the rest itself. */
export const WAL_FRAMES_MAX = 1000;
/** How often the checkpointer thread copies frames; at most this much is left for a commit. */
export const CHECKPOINT_INTERVAL_MS = 50;
/**
 * The writer's page cache. The default (2 MiB) no longer holds the index pages a random key
 * (an event id, a session) lands on once the log is large.
 */
const WRITER_CACHE_KIB = 16 * 1024;

export type WriterRequest =
  | { id: number; kind: 'commit'; writes: StoreWrite[] }
  | { id: number; kind: 'outbox'; op: OutboxWriteOp; args: unknown[] }
  | { id: number; kind: 'access'; op: AccessWriteOp; args: unknown[] }
  | { id: number; kind: 'privacy'; op: PrivacyWriteOp; args: unknown[] }
  | { id: number; kind: 'probe'; at: string }
  | { id: number; kind: 'close' };
export type WriterReply =
  | { id: number; ok: true; results?: StoreWriteResult[]; value?: unknown }
  | { id: number; ok: false; error: { code?: string; message: string } };
export interface WriterData {
  role: 'sqlite-writer';
  dataDir: string;
  now: string;
  /** PAYLOAD_KEYS, for re-sealing (rekey) and the erasure notice: held in this thread's memory only. */
  payloadKeys: PayloadKey[];
}

/** An error as it crosses to the main thread: SQLite's code (SQLITE_FULL, ...) and message. */
function replyError(error: unknown): { code?: string; message: string } {
  const e = error as { code?: string; message?: string };
  return { code: e.code, message: e.message ?? String(error) };
}

/** Opens the database file, in WAL mode with synchronous=FULL, and brings its schema up to date. */
function openDatabase(dataDir: string, now: string): Database.Database {
  mkdirSync(dataDir, { recursive: true });
  const db = new Database(path.join(dataDir, SQLITE_FILE));
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('busy_timeout = 5000');
    // Freed space is overwritten with zeros: an erased body leaves no byte behind in the file.
    db.pragma('secure_delete = ON');
    db.pragma(`cache_size = -${WRITER_CACHE_KIB}`);
    // The checkpointer thread copies frames every CHECKPOINT_INTERVAL_MS (sqlite-checkpointer.ts);
    // the commit that finds WAL_FRAMES_MAX frames copies the few left and so lets the next commit
    // start the WAL over. It stays small instead of growing to a large backstop, whose crossing
    // would stall the commit that meets it.
    db.pragma(`wal_autocheckpoint = ${WAL_FRAMES_MAX}`);
    // Migration 2 (kept as released) fills its lookup tables with lookup_key(); step 3 drops them.
    registerLookupKey(db);
    db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)');
    // Under SQLite's write lock (IMMEDIATE), so two processes starting together do not race.
    db.transaction(() => {
      const done = new Set(db.prepare('SELECT version FROM schema_migrations').pluck().all() as number[]);
      const newest = Math.max(0, ...done);
      if (newest > LATEST_VERSION) {
        throw newerSchemaError(newest);
      }
      const record = db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)');
      for (const m of MIGRATIONS) {
        if (done.has(m.version)) continue;
        db.exec(m.sqlite);
        record.run(m.version, m.name, now);
      }
    }).immediate();
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

function serve(db: Database.Database, codec: PayloadCodec): void {
  const probe = db.prepare(
    'INSERT INTO store_probe (id, checked_at) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET checked_at = excluded.checked_at',
  );
  const events = sqliteEventWrites(db);
  const outbox = sqliteOutboxWrites(db);
  const access = sqliteAccessWrites(db);
  const privacy = sqlitePrivacyWrites(db, codec, events.appendOne);

  // One transaction (one fsync) per batch; IMMEDIATE takes the write lock first.
  const commit = db.transaction((writes: StoreWrite[]) => events.applyBatch(writes));

  parentPort!.on('message', (request: WriterRequest) => {
    let reply: WriterReply;
    try {
      if (request.kind === 'commit') reply = { id: request.id, ok: true, results: commit.immediate(request.writes) };
      else if (request.kind === 'outbox') {
        const run = outbox[request.op] as (...args: unknown[]) => unknown;
        reply = { id: request.id, ok: true, value: run(...request.args) };
      } else if (request.kind === 'privacy') {
        const run = privacy[request.op] as (...args: unknown[]) => unknown;
        reply = { id: request.id, ok: true, value: run(...request.args) };
      } else if (request.kind === 'access') {
        const run = access[request.op] as (...args: unknown[]) => unknown;
        reply = { id: request.id, ok: true, value: run(...request.args) };
      } else if (request.kind === 'probe') {
        probe.run(request.at);
        reply = { id: request.id, ok: true };
      } else {
        db.close();
        reply = { id: request.id, ok: true };
      }
    } catch (error) {
      reply = { id: request.id, ok: false, error: replyError(error) };
    }
    parentPort!.postMessage(reply);
    if (request.kind === 'close') parentPort!.close();
  });
}

// Only in the writer thread (the checkpointer thread, say, has workerData of its own).
if (parentPort && (workerData as WriterData | undefined)?.role === 'sqlite-writer') {
  const data = workerData as WriterData;
  let db: Database.Database;
  try {
    db = openDatabase(data.dataDir, data.now);
  } catch (error) {
    parentPort.postMessage({ id: 0, ok: false, error: replyError(error) } satisfies WriterReply);
    parentPort.close();
  }
  if (db!) {
    serve(db, createPayloadCodec(data.payloadKeys.map((k) => ({ id: k.id, key: Buffer.from(k.key) }))));
    parentPort.postMessage({ id: 0, ok: true } satisfies WriterReply);
  }
}
