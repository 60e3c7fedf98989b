import { chmodSync, mkdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openSqliteStore, SQLITE_FILE } from '../src/store/sqlite-store.js';
import { manualClock, tempDir } from './helpers/harness.js';
import { newEvent } from './helpers/store-contract.js';

const mode = (file: string) => (statSync(file).mode & 0o777).toString(8);

describe("the data folder is the service's alone", () => {
  it('creates the folder 0700 and the files 0600 whatever the umask, and names looser modes of an existing folder', async () => {
    const tmp = tempDir();
    const previous = process.umask(0o002);
    try {
      const dir = path.join(tmp.dir, 'data');
      const warnings: string[] = [];
      const store = await openSqliteStore({ dataDir: dir, batchMax: 8, clock: manualClock(), onWarning: (w) => warnings.push(w) });
      await store.append(newEvent());
      expect(mode(dir)).toBe('700');
      for (const f of [SQLITE_FILE, `${SQLITE_FILE}-wal`, `${SQLITE_FILE}-shm`]) expect([f, mode(path.join(dir, f))]).toEqual([f, '600']);
      expect(warnings).toEqual([]);
      await store.close();

      const shared = path.join(tmp.dir, 'shared');
      mkdirSync(shared);
      chmodSync(shared, 0o755);
      const again = await openSqliteStore({ dataDir: shared, batchMax: 8, clock: manualClock(), onWarning: (w) => warnings.push(w) });
      expect(warnings).toEqual([`DATA_DIR ${shared} has mode 0755: other local users can list it; chmod 700 it`]);
      expect(mode(path.join(shared, SQLITE_FILE))).toBe('600');
      await again.close();
    } finally {
      process.umask(previous);
      tmp.remove();
    }
  });
});
