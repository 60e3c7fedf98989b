/**
 * Copies committed WAL frames into the database file (a PASSIVE checkpoint) every interval, on a
 * thread and connection of its own. Left to SQLite, the commit that crosses the WAL threshold
 * does the whole copy and its fsync itself, and that commit's sender waits for it. Commits stay
 * durable in the WAL either way.
 *
 * This thread does the bulk of the copying; it cannot start the WAL over, which only happens
 * when a commit finds every frame copied, and under steady commits one always lands during a
 * pass. The writer's own small threshold does that (sqlite-writer.ts): by then only the frames
 * of the last interval are left to copy.
 */
import path from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { SQLITE_FILE } from './sqlite-file.js';

export interface CheckpointerData {
  dataDir: string;
  intervalMs: number;
}

if (parentPort && (workerData as CheckpointerData | undefined)?.intervalMs) {
  const data = workerData as CheckpointerData;
  const db = new Database(path.join(data.dataDir, SQLITE_FILE));
  db.pragma('busy_timeout = 1000');
  const timer = setInterval(() => {
    try {
      db.pragma('wal_checkpoint(PASSIVE)');
    } catch {
      // Busy or out of space: the next round tries again, and the writer's own threshold remains.
    }
  }, data.intervalMs);
  parentPort.on('message', (message: string) => {
    if (message !== 'close') return;
    clearInterval(timer);
    db.close();
    parentPort!.postMessage('closed');
    parentPort!.close();
  });
}
