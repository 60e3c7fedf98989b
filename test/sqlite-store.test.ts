import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import type { EventQuery, EventStore, StoredEvent } from '../src/store/event-store.js';
import { lookupKey } from '../src/store/lookup-key.js';
import { MIGRATIONS } from '../src/store/migrations.js';
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
    const until = Date.now() + 2500;
    await Promise.all(
      Array.from({ length: 32 }, async () => {
        while (Date.now() < until) {
          await store.append(newEvent({ rawBody: body }));
          appended += 1;
        }
      }),
    );
    clearInterval(sampler);
    await store.close();
    const frame = 4096 + 24;
    // A batch of 64 writes up to six frames per event: three of body, the events leaf, recent_ids' row and id.
    const bound = (WAL_FRAMES_MAX + 2 * 64 * 6) * frame;
    // Written: at least three frames per event. Kept: the threshold plus about two batches.
    expect(appended * 3 * frame).toBeGreaterThan(3 * bound);
    expect(peak).toBeLessThan(bound);
    rmSync(dir, { recursive: true, force: true });
  }, 20_000);

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
    await expect(reader.append(newEvent())).rejects.toThrow(/opened read-only/);
    expect(await reader.check()).toEqual({ ok: true });
    await reader.close();
    await store.close();

    // An older schema is reported, not migrated: the service migrates at start, the CLI only reads.
    const db = new Database(path.join(dir, SQLITE_FILE));
    db.exec('DELETE FROM schema_migrations');
    db.close();
    await expect(openSqliteReader(dir)).rejects.toThrow(/schema version 0, this build reads 2: start the service once/);
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
      const pending = store.append(newEvent());
      await threads[0]!.terminate();
      await expect(pending).rejects.toMatchObject({ name: 'StoreUnavailableError' });
      const after = await store.append(newEvent());
      expect(threads).toHaveLength(2);
      expect(restarts).toEqual(['the SQLite writer thread had exited']);
      expect(await store.check()).toEqual({ ok: true });
      const ids = (await store.listEvents({ limit: 10 })).items.map((e) => e.id);
      expect(ids[0]).toBe(before.id);
      expect(ids.at(-1)).toBe(after.id);
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

storeContract('SQLite, merging lookups after every few events', {
  newPlace: async () => mkdtempSync(path.join(tmpdir(), 'ine-sqlite-')),
  open: async (dir) => await openSqliteStore({ dataDir: dir, batchMax: 64, clock, lookupMerge: { mergeAt: 2, promoteAt: 5 } }),
  dropPlace: async (dir) => rmSync(dir, { recursive: true, force: true }),
});

describe('SQLite lookups: sessions and references merged in sorted batches', () => {
  /** Every (key, seq) that `lookups` must hold for the events up to the mark, and what it holds; `recent_ids` must hold the ids after it. */
  function lookupsState(dir: string) {
    const db = new Database(path.join(dir, SQLITE_FILE), { readonly: true });
    try {
      const { seq: mark, young_from: youngFrom } = db.prepare('SELECT seq, young_from FROM lookup_mark').get() as {
        seq: number;
        young_from: number;
      };
      const main = new Set(
        (db.prepare('SELECT key, seq FROM lookups').all() as { key: number; seq: number }[]).map((r) => `${r.key}/${r.seq}`),
      );
      const youngSeqs = db.prepare('SELECT seq FROM lookups_young').pluck().all() as number[];
      const events = db.prepare('SELECT seq, id, session_id, reference FROM events ORDER BY seq').all() as {
        seq: number;
        id: string;
        session_id: string | null;
        reference: string | null;
      }[];
      const held = new Set(
        (db.prepare('SELECT key, seq FROM lookup_keys').all() as { key: number; seq: number }[]).map((r) => `${r.key}/${r.seq}`),
      );
      const keys = (e: (typeof events)[number]) => [
        `${lookupKey('id', e.id)}/${e.seq}`,
        ...(e.session_id !== null ? [`${lookupKey('session', e.session_id)}/${e.seq}`] : []),
        ...(e.reference !== null ? [`${lookupKey('reference', e.reference)}/${e.seq}`] : []),
      ];
      const all = new Set(events.flatMap(keys));
      const recent = db.prepare('SELECT seq, id FROM recent_ids ORDER BY seq').all();
      return {
        mark,
        maxSeq: events.at(-1)?.seq ?? 0,
        missing: events
          .filter((e) => e.seq <= mark)
          .flatMap(keys)
          .filter((k) => !held.has(k)),
        stray: [...held].filter((k) => !all.has(k)),
        recentIdsRight:
          JSON.stringify(recent) === JSON.stringify(events.filter((e) => e.seq > mark).map((e) => ({ seq: e.seq, id: e.id }))),
        // Promoted: the keys of events up to young_from are in lookups itself, and none of them is left in lookups_young.
        youngFrom,
        notPromoted:
          events
            .filter((e) => e.seq <= youngFrom)
            .flatMap(keys)
            .filter((k) => !main.has(k)).length + youngSeqs.filter((q) => q <= youngFrom).length,
      };
    } finally {
      db.close();
    }
  }

  /** Each session's and reference's events, as the plain scan in seq order has them, against what the lookups return (paged and newest first). */
  async function expectFoundAsStored(store: EventStore) {
    const all: StoredEvent[] = [];
    for (let after: string | undefined; ;) {
      const page = await store.listEvents({ provider: 'veriff', limit: 50, after });
      if (page.items.length === 0) break;
      all.push(...page.items);
      after = page.next!;
    }
    const checks: [EventQuery, StoredEvent[]][] = [
      ...[...new Set(all.map((e) => e.sessionId!))].map((s): [EventQuery, StoredEvent[]] => [
        { limit: 0, sessionId: s },
        all.filter((e) => e.sessionId === s),
      ]),
      ...[...new Set(all.map((e) => e.reference).filter((r) => r !== null))].map((r): [EventQuery, StoredEvent[]] => [
        { limit: 0, reference: r },
        all.filter((e) => e.reference === r),
      ]),
      [{ limit: 0, sessionId: 's-1', reference: 'r-1' }, all.filter((e) => e.sessionId === 's-1' && e.reference === 'r-1')],
      [{ limit: 0, sessionId: 'no-such-session' }, []],
    ];
    expect(checks.length).toBeGreaterThan(10);
    for (const [query, expected] of checks) {
      const paged: string[] = [];
      for (let after: string | undefined; ;) {
        const page = await store.listEvents({ ...query, limit: 3, after });
        if (page.items.length === 0) break;
        paged.push(...page.items.map((e) => e.id));
        after = page.next!;
      }
      expect(paged, JSON.stringify(query)).toEqual(expected.map((e) => e.id));
      const newest = await store.listEvents({ ...query, limit: 4, newestFirst: true });
      expect(newest.items.map((e) => e.id)).toEqual(
        expected
          .slice(-4)
          .reverse()
          .map((e) => e.id),
      );
    }
    return all;
  }

  /**
   * Waits until merging and promoting have stopped: the tables stay the same for 300 ms (the
   * mark alone stays put during a promotion), having merged at least once.
   */
  async function settled(dir: string) {
    let last = '';
    for (const started = Date.now(); ; await new Promise((r) => setTimeout(r, 300))) {
      const db = new Database(path.join(dir, SQLITE_FILE), { readonly: true });
      const now = JSON.stringify(
        db
          .prepare(
            `SELECT (SELECT seq FROM lookup_mark) AS mark, (SELECT young_from FROM lookup_mark) AS young_from,
        (SELECT count(*) FROM lookups) AS main, (SELECT count(*) FROM lookups_young) AS young, (SELECT count(*) FROM recent_ids) AS recent`,
          )
          .get(),
      );
      db.close();
      if (now === last && JSON.parse(now).mark > 0) return;
      if (Date.now() - started > 10_000) throw new Error('merging did not settle');
      last = now;
    }
  }

  /** Once merging has settled: every key up to the mark in place, none stray, recent_ids exact, promotions complete. */
  async function expectLookupsWhole(dir: string) {
    await settled(dir);
    const state = lookupsState(dir);
    expect(state.missing).toEqual([]);
    expect(state.stray).toEqual([]);
    expect(state.recentIdsRight).toBe(true);
    expect(state.notPromoted).toBe(0);
    return state;
  }

  it('finds every event by session and reference, merged or not yet, across merges, a redelivery, a restart and the read-only reader', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'ine-sqlite-'));
    const open = () => openSqliteStore({ dataDir: dir, batchMax: 16, clock, lookupMerge: { mergeAt: 40, promoteAt: 30 } });
    let made = 0;
    const some = (n: number) =>
      Array.from({ length: n }, () => {
        made += 1;
        return newEvent({ sessionId: `s-${made % 7}`, reference: made % 4 === 0 ? null : `r-${made % 5}` });
      });
    let store = await open();
    try {
      const first = some(150);
      for (const e of first) await store.append(e);
      await settled(dir);
      // A redelivery counts on the event found by its id: no second row, no second key.
      expect(await store.append(first[3]!)).toMatchObject({ duplicate: true, deliveries: 2 });
      expect((await expectLookupsWhole(dir)).mark).toBeGreaterThan(0);
      expect(await expectFoundAsStored(store)).toHaveLength(150);

      // Restarted with keys not merged yet: the writer takes them in again from the log.
      await store.close();
      store = await open();
      await Promise.all(some(100).map((e) => store.append(e)));
      expect((await expectLookupsWhole(dir)).youngFrom).toBeGreaterThan(0);
      // Every event is found by its id, merged or not, and a redelivery of an old one counts on it.
      for (const e of await expectFoundAsStored(store)) expect((await store.getEvent(e.id))?.seq).toBe(e.seq);
      expect(await store.append(first[0]!)).toMatchObject({ duplicate: true, deliveries: 2 });
      expect(await expectFoundAsStored(store)).toHaveLength(250);
      const reader = await openSqliteReader(dir);
      expect(await expectFoundAsStored(reader)).toHaveLength(250);
      await reader.close();
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 20_000);

  it('two writers on one file (two processes) store each event once, counting every delivery, while both merge', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'ine-sqlite-'));
    const open = () => openSqliteStore({ dataDir: dir, batchMax: 8, clock, lookupMerge: { mergeAt: 30, promoteAt: 25 } });
    const [a, b] = [await open(), await open()];
    try {
      const events = Array.from({ length: 120 }, (_, i) => newEvent({ sessionId: `s-${i % 9}` }));
      // Each event three times: twice through one writer, once through the other, all at once.
      await Promise.all(events.flatMap((e, i) => [a.append(e), b.append(e), (i % 2 ? a : b).append(e)]));
      // And once more each, after the merges have moved most of them out of recent_ids.
      await settled(dir);
      await Promise.all(events.map((e, i) => (i % 2 ? b : a).append(e)));
      // Then one writer alone: its merges must take in the other's unmerged events too.
      const more = Array.from({ length: 60 }, (_, i) => newEvent({ sessionId: `s-${i % 9}` }));
      for (const e of more) await a.append(e);
      const stored = await expectFoundAsStored(a);
      expect(stored).toHaveLength(180);
      expect(stored.filter((e) => e.deliveries === 4).map((e) => e.id)).toEqual(events.map((e) => e.id));
      expect((await expectLookupsWhole(dir)).youngFrom).toBeGreaterThan(0);
    } finally {
      await a.close();
      await b.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 30_000);

  it('a writer thread that dies in the middle of merging leaves nothing lost: the next one takes the tail in again', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'ine-sqlite-'));
    const threads: import('node:worker_threads').Worker[] = [];
    const store = await openSqliteStore({
      dataDir: dir,
      batchMax: 8,
      clock,
      lookupMerge: { mergeAt: 30, promoteAt: 40 },
      onWriterStart: (t) => threads.push(t),
    });
    try {
      const events = Array.from({ length: 200 }, (_, i) => newEvent({ sessionId: `s-${i % 9}` }));
      await Promise.all(events.slice(0, 150).map((e) => store.append(e)));
      // Merges and promotions are still going on: stop the thread between two of their transactions.
      await threads[0]!.terminate();
      for (const e of events.slice(150)) await store.append(e);
      expect(threads).toHaveLength(2);
      await expectLookupsWhole(dir);
      expect(await expectFoundAsStored(store)).toHaveLength(200);
      // Every event is still found by its id for a redelivery.
      for (const e of events.slice(0, 20)) expect(await store.append(e)).toMatchObject({ duplicate: true, deliveries: 2 });
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 30_000);

  it('migration 2 moves the id, session and reference indexes of an existing log into lookups', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'ine-sqlite-'));
    const db = new Database(path.join(dir, SQLITE_FILE));
    db.exec('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)');
    db.exec(MIGRATIONS[0]!.sqlite);
    db.prepare("INSERT INTO schema_migrations VALUES (1, 'event log and quarantine', 'x')").run();
    const insert = db.prepare(`INSERT INTO events (id, provider, type, session_id, reference, received_at, last_delivered_at, raw_body)
      VALUES (?, 'veriff', 'ine_registry', ?, ?, '2026-11-01T00:00:00.000Z', '2026-11-01T00:00:00.000Z', '{}')`);
    insert.run('a', 's-1', 'r-1');
    insert.run('b', 's-2', null);
    insert.run('c', 's-1', 'r-2');
    db.close();

    const store = await openSqliteStore({ dataDir: dir, batchMax: 8, clock });
    try {
      expect(lookupsState(dir)).toEqual({ mark: 3, maxSeq: 3, missing: [], stray: [], recentIdsRight: true, youngFrom: 3, notPromoted: 0 });
      const check = new Database(path.join(dir, SQLITE_FILE), { readonly: true });
      expect(check.prepare('SELECT count(*) FROM lookups').pluck().get()).toBe(8);
      expect(check.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'events'").all()).toEqual([]);
      check.close();
      expect((await store.listEvents({ sessionId: 's-1', limit: 10 })).items.map((e) => e.id)).toEqual(['a', 'c']);
      expect((await store.listEvents({ reference: 'r-2', limit: 10 })).items.map((e) => e.id)).toEqual(['c']);
      expect((await store.getEvent('b'))?.sessionId).toBe('s-2');
      // A redelivery of a migrated event counts on it; new events go on from there.
      expect(await store.append(newEvent({ id: 'b', sessionId: 's-2' }))).toMatchObject({
        id: 'b',
        seq: '2',
        duplicate: true,
        deliveries: 2,
      });
      expect(await store.append(newEvent({ sessionId: 's-1' }))).toMatchObject({ seq: '4', duplicate: false });
      expect((await store.listEvents({ sessionId: 's-1', limit: 10 })).items).toHaveLength(3);
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
