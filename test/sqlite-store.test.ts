import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
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
    expect(db.prepare('SELECT version, name FROM schema_migrations').all()).toEqual([{ version: 1, name: 'event log and quarantine' }]);
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
    const bound = (WAL_FRAMES_MAX + 2 * 64 * 5) * frame;
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
    await expect(openSqliteReader(dir)).rejects.toThrow(/schema version 0, this build reads 1: start the service once/);
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
    const store = await openSqliteStore({ dataDir: dir, batchMax: 8, clock, onWriterRestart: (r) => restarts.push(r), onWriterStart: (t) => threads.push(t) });
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
