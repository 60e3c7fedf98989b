import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { registerLookupKey } from '../src/store/lookup-key.js';
import { LATEST_VERSION, MIGRATIONS } from '../src/store/migrations.js';
import { SQLITE_FILE, openSqliteReader, openSqliteStore } from '../src/store/sqlite-store.js';
import { WAL_FRAMES_MAX } from '../src/store/sqlite-writer.js';
import { newEvent, storeContract } from './helpers/store-contract.js';

const clock = { now: () => Date.parse('2026-11-22T10:00:00Z') };

storeContract('SQLite', {
  newPlace: async () => mkdtempSync(path.join(tmpdir(), 'ine-sqlite-')),
  open: async (dir) => await openSqliteStore({ dataDir: dir, batchMax: 64, clock }),
  dropPlace: async (dir) => rmSync(dir, { recursive: true, force: true }),
});

describe('SQLite specifics', () => {
  it('runs in WAL mode with synchronous=FULL (fsync before a commit returns) and records its migrations', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'ine-sqlite-'));
    const store = await openSqliteStore({ dataDir: path.join(dir, 'nested', 'data'), batchMax: 8, clock });
    await store.append(newEvent());
    const db = new Database(path.join(dir, 'nested', 'data', SQLITE_FILE));
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.prepare('SELECT version, name FROM schema_migrations ORDER BY version').all()).toEqual([
      { version: 1, name: 'event log and quarantine' },
      { version: 2, name: 'event lookups merged in sorted batches' },
      { version: 3, name: 'the database enforces event uniqueness again; ordinary indexes instead of lookups' },
      { version: 4, name: "the vendor's own time of each event" },
      { version: 5, name: 'outbox: each new event queued for every sink and follow-up fetch' },
      { version: 6, name: 'access keys and the audit trail' },
      { version: 7, name: 'personal data: sealed bodies, erasure, blocking' },
      { version: 8, name: 'an id of this installation' },
      { version: 9, name: 'console sign-ins and delivery activity' },
    ]);
    db.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps the WAL bounded under a steady stream of commits: it starts over instead of growing', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'ine-sqlite-'));
    const store = await openSqliteStore({ dataDir: dir, batchMax: 64, clock });
    const wal = path.join(dir, `${SQLITE_FILE}-wal`);
    // Bodies of three pages each, so the load writes far more WAL than the bound.
    const body = JSON.stringify({ filler: 'x'.repeat(12_000) });
    let peak = 0;
    let appended = 0;
    const sampler = setInterval(() => (peak = Math.max(peak, statSync(wal).size)), 5);
    // A fixed amount of work, not a time: a loaded machine takes longer, and writes just as much.
    const total = 8000;
    await Promise.all(
      Array.from({ length: 32 }, async () => {
        while (appended < total) {
          await store.append(newEvent({ rawBody: body }));
          appended += 1;
        }
      }),
    );
    clearInterval(sampler);
    await store.close();
    const frame = 4096 + 24;
    // What one batch of 64 can add past the threshold: three pages of body, the events leaf and a page
    // of each of its three indexes per event. The property, not a timing: the WAL stays within a small multiple of
    // that (here twice, leaving room for a checkpoint that a loaded machine delays by a batch or two)
    // while five times as much is written through it; a WAL that never starts over grows with the writes.
    const bound = 2 * (WAL_FRAMES_MAX + 2 * 64 * 8) * frame;
    expect(appended * 3 * frame).toBeGreaterThan(5 * bound);
    expect(peak).toBeLessThan(bound);
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it('opens read-only for the CLI: sees what the service commits, refuses writes, never creates or migrates a file', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'ine-sqlite-'));
    await expect(openSqliteReader(dir)).rejects.toThrow();
    expect(existsSync(path.join(dir, SQLITE_FILE))).toBe(false);

    const store = await openSqliteStore({ dataDir: dir, batchMax: 8, clock });
    const first = newEvent();
    await store.append(first);
    const reader = await openSqliteReader(dir);
    expect(await reader.getEvent(first.id)).toMatchObject({ id: first.id, sessionId: first.sessionId });
    // A commit by the service after the reader opened is visible to it.
    const second = newEvent();
    await store.append(second);
    expect((await reader.listEvents({ limit: 10 })).items.map((e) => e.id)).toEqual([first.id, second.id]);
    expect(await reader.check()).toEqual({ ok: true });
    await expect(reader.append(newEvent())).rejects.toThrow(/opened read-only/);
    await reader.close();
    await store.close();

    // An older schema is reported, not migrated: the service migrates at start, the CLI only reads.
    const db = new Database(path.join(dir, SQLITE_FILE));
    db.exec('DELETE FROM schema_migrations');
    db.close();
    await expect(openSqliteReader(dir)).rejects.toThrow(/schema version 0, this build reads 9: start the service once/);
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses to open a database migrated by a newer release', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'ine-sqlite-'));
    await (await openSqliteStore({ dataDir: dir, batchMax: 8, clock })).close();
    const db = new Database(path.join(dir, SQLITE_FILE));
    db.prepare("INSERT INTO schema_migrations VALUES (99, 'future', 'x')").run();
    db.close();
    await expect(openSqliteStore({ dataDir: dir, batchMax: 8, clock })).rejects.toThrow(/schema version 99, newer than this build/);
    rmSync(dir, { recursive: true, force: true });
  });

  it('shares one transaction between concurrent appends (group commit), capped at batchMax', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'ine-sqlite-'));
    const batches: number[] = [];
    const store = await openSqliteStore({ dataDir: dir, batchMax: 10, clock, onCommit: (s) => batches.push(s.size) });
    await Promise.all(Array.from({ length: 25 }, () => store.append(newEvent())));
    expect(batches).toEqual([10, 10, 5]);
    expect((await store.listEvents({ limit: 100 })).items).toHaveLength(25);
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });
});

describe('SQLite writer thread', () => {
  it('a writer thread that dies fails what it was committing with a 503 error, then is restarted: no service restart needed', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'ine-sqlite-'));
    const restarts: string[] = [];
    const threads: import('node:worker_threads').Worker[] = [];
    const store = await openSqliteStore({
      dataDir: dir,
      batchMax: 8,
      clock,
      onWriterRestart: (r) => restarts.push(r),
      onWriterStart: (t) => threads.push(t),
    });
    try {
      const before = await store.append(newEvent());
      const inFlight = newEvent();
      const pending = store.append(inFlight);
      await threads[0]!.terminate();
      // The write in flight when the thread died: committed (then stored), or failed with a 503 error
      // (stored or not: the thread may die between its commit and its reply; the vendor's retry is then
      // a duplicate). Which one depends on how far the thread got, so each is checked, never guessed.
      const outcome = await pending.then(
        () => 'committed',
        (error: unknown) => (expect(error).toMatchObject({ name: 'StoreUnavailableError' }), 'failed'),
      );
      const stored = (await store.getEvent(inFlight.id)) !== null;
      if (outcome === 'committed') expect(stored).toBe(true);
      const after = await store.append(newEvent());
      expect(threads).toHaveLength(2);
      expect(restarts).toEqual(['the SQLite writer thread had exited']);
      expect(await store.check()).toEqual({ ok: true });
      const ids = (await store.listEvents({ limit: 10 })).items.map((e) => e.id);
      expect(ids).toEqual(stored ? [before.id, inFlight.id, after.id] : [before.id, after.id]);
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** Every table of the latest schema (migrations.ts), as a migrated file must have them. */
const LATEST_TABLES = [
  'access_keys',
  'activity',
  'audit',
  'blocks',
  'console_sessions',
  'events',
  'installation',
  'outbox',
  'quarantine',
  'schema_migrations',
  'sinks',
  'store_probe',
];

describe('SQLite schema 3: the database enforces uniqueness', () => {
  const indexesOf = (db: Database.Database) =>
    db.prepare("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'events' ORDER BY name").all() as {
      name: string;
      sql: string | null;
    }[];
  const tablesOf = (db: Database.Database) =>
    db.prepare("SELECT name FROM sqlite_master WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite_%' ORDER BY name").pluck().all();

  it('has a unique index on the event id, ordinary indexes for sessions and references, and no lookup tables', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'ine-sqlite-'));
    await (await openSqliteStore({ dataDir: dir, batchMax: 8, clock })).close();
    const db = new Database(path.join(dir, SQLITE_FILE), { readonly: true });
    try {
      const unique = db.prepare('SELECT name FROM pragma_index_list(\'events\') WHERE "unique" = 1').pluck().all() as string[];
      expect(unique).toHaveLength(1);
      expect(db.prepare(`SELECT name FROM pragma_index_info(?)`).pluck().all(unique[0])).toEqual(['id']);
      expect(indexesOf(db).filter((i) => i.sql !== null)).toEqual([
        { name: 'events_by_key', sql: 'CREATE INDEX events_by_key ON events (key_id)' },
        { name: 'events_by_reference', sql: 'CREATE INDEX events_by_reference ON events (reference, seq)' },
        { name: 'events_by_session', sql: 'CREATE INDEX events_by_session ON events (session_id, seq)' },
      ]);
      expect(tablesOf(db)).toEqual(LATEST_TABLES);
      // The query planner uses them: no scan of the log for a session, a reference or an id.
      const plan = (sql: string) => (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all() as { detail: string }[]).map((r) => r.detail).join('; ');
      expect(plan("SELECT * FROM events WHERE session_id = 's' AND seq > 0 ORDER BY seq LIMIT 10")).toMatch(
        /USING INDEX events_by_session/,
      );
      expect(plan("SELECT * FROM events WHERE reference = 'r' AND seq > 0 ORDER BY seq LIMIT 10")).toMatch(
        /USING INDEX events_by_reference/,
      );
      expect(plan("SELECT * FROM events WHERE id = 'x'")).toMatch(/USING INDEX sqlite_autoindex_events/);
    } finally {
      db.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('two writers on one file (two processes) store each event once, counting every delivery', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'ine-sqlite-'));
    const open = () => openSqliteStore({ dataDir: dir, batchMax: 8, clock });
    const [a, b] = [await open(), await open()];
    try {
      const events = Array.from({ length: 120 }, (_, i) => newEvent({ sessionId: `s-${i % 9}` }));
      // Each event three times: twice through one writer, once through the other, all at once.
      await Promise.all(events.flatMap((e, i) => [a.append(e), b.append(e), (i % 2 ? a : b).append(e)]));
      const stored = (await a.listEvents({ limit: 1000 })).items;
      expect(stored.map((e) => e.id).sort()).toEqual(events.map((e) => e.id).sort());
      expect(stored.every((e) => e.deliveries === 3)).toBe(true);
    } finally {
      await a.close();
      await b.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  /**
   * A data folder as the releases before this one left it: the schema steps 1 and 2 exactly as
   * released (they are never edited), with events whose keys step 2 moved into its lookup tables.
   */
  function oldDataFolder(upTo: 1 | 2) {
    const dir = mkdtempSync(path.join(tmpdir(), 'ine-sqlite-'));
    const db = new Database(path.join(dir, SQLITE_FILE));
    registerLookupKey(db);
    db.exec('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)');
    db.exec(MIGRATIONS[0]!.sqlite);
    db.prepare("INSERT INTO schema_migrations VALUES (1, 'event log and quarantine', 'x')").run();
    const insert =
      db.prepare(`INSERT INTO events (id, provider, type, session_id, reference, received_at, last_delivered_at, deliveries, raw_body)
      VALUES (?, 'veriff', 'ine_registry', ?, ?, '2026-11-01T00:00:00.000Z', '2026-11-02T00:00:00.000Z', ?, ?)`);
    insert.run('a', 's-1', 'r-1', 1, '{"n":1}');
    insert.run('b', 's-2', null, 3, '{"n":2}');
    if (upTo === 2) {
      db.exec(MIGRATIONS[1]!.sqlite);
      db.prepare("INSERT INTO schema_migrations VALUES (2, 'event lookups merged in sorted batches', 'x')").run();
    }
    insert.run('c', 's-1', 'r-2', 1, '{"n":3}');
    if (upTo === 2) db.prepare('INSERT INTO recent_ids (seq, id) VALUES (3, ?)').run('c');
    db.prepare(
      "INSERT INTO quarantine (id, provider, reason, body_hash, issues, raw_body, received_at, last_delivered_at) VALUES ('q', 'incode', 'invalid_json', 'h', '[]', x'7b', 't', 't')",
    ).run();
    db.close();
    return dir;
  }

  for (const from of [1, 2] as const) {
    it(`migrates a data folder written at schema ${from} in place: every event, its seq, id and deliveries kept`, async () => {
      const dir = oldDataFolder(from);
      const store = await openSqliteStore({ dataDir: dir, batchMax: 8, clock });
      try {
        const events = (await store.listEvents({ limit: 10 })).items;
        expect(events.map((e) => [e.seq, e.id, e.sessionId, e.reference, e.deliveries, e.payload])).toEqual([
          ['1', 'a', 's-1', 'r-1', 1, { n: 1 }],
          ['2', 'b', 's-2', null, 3, { n: 2 }],
          ['3', 'c', 's-1', 'r-2', 1, { n: 3 }],
        ]);
        expect((await store.listQuarantine({ limit: 10 })).items.map((q) => q.id)).toEqual(['q']);
        expect((await store.listEvents({ sessionId: 's-1', limit: 10 })).items.map((e) => e.id)).toEqual(['a', 'c']);
        expect((await store.listEvents({ reference: 'r-2', limit: 10 })).items.map((e) => e.id)).toEqual(['c']);
        expect((await store.getEvent('b'))?.sessionId).toBe('s-2');
        // A redelivery of a migrated event counts on it; new events go on after the old seqs.
        expect(await store.append(newEvent({ id: 'b', sessionId: 's-2' }))).toMatchObject({
          id: 'b',
          seq: '2',
          duplicate: true,
          deliveries: 4,
        });
        // (An upsert takes a seq number even when it only counts: seqs grow, with gaps, as on PostgreSQL.)
        const next = await store.append(newEvent({ sessionId: 's-1' }));
        expect(next.duplicate).toBe(false);
        expect(Number(next.seq)).toBeGreaterThan(3);
        const db = new Database(path.join(dir, SQLITE_FILE), { readonly: true });
        expect(tablesOf(db)).toEqual(LATEST_TABLES);
        expect(indexesOf(db).map((i) => i.name)).toEqual([
          'events_by_key',
          'events_by_reference',
          'events_by_session',
          'sqlite_autoindex_events_1',
        ]);
        expect(db.prepare('SELECT max(version) FROM schema_migrations').pluck().get()).toBe(LATEST_VERSION);
        db.close();
      } finally {
        await store.close();
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});
