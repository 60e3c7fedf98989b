/**
 * Fills an embedded store with N realistic events fast (big transactions, no fsync), so the
 * benchmark can measure the service with a large log. Usage: prefill.ts DATA_DIR N
 */
import { createHash, randomUUID } from 'node:crypto';
import path from 'node:path';
import Database from 'better-sqlite3';
import { sampleIncodeIneScraping, sampleVeriffIneRegistry } from '../src/delivery/samples.js';
import { registerLookupKey } from '../src/store/lookup-key.js';
import { PROMOTE_AT_EVENTS, PROMOTE_RATIO } from '../src/store/sqlite-lookup-merge.js';
import { openSqliteStore, SQLITE_FILE } from '../src/store/sqlite-store.js';

export async function prefill(dataDir: string, count: number): Promise<void> {
  await (await openSqliteStore({ dataDir, batchMax: 1, clock: { now: () => Date.now() } })).close();
  const db = new Database(path.join(dataDir, SQLITE_FILE));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = OFF');
  const insert = db.prepare(`INSERT INTO events (id, provider, type, session_id, reference, status, integration,
    received_at, last_delivered_at, deliveries, raw_body) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?)`);
  const chunk = db.transaction((from: number, to: number) => {
    for (let i = from; i < to; i += 1) {
      const veriff = i % 3 !== 0;
      const sessionId = randomUUID();
      const time = new Date(Date.UTC(2026, 0, 1) + i * 1000);
      const at = time.toISOString();
      const payload = JSON.stringify(
        veriff
          ? sampleVeriffIneRegistry(time, { sessionId, vendorData: `customer-${i}` })
          : sampleIncodeIneScraping('FINISHED', sessionId, `customer-${i}`),
      );
      insert.run(
        createHash('sha256').update(`prefill-${i}-${sessionId}`).digest('hex'),
        veriff ? 'veriff' : 'incode',
        veriff ? 'ine_registry' : 'ine_scraping',
        sessionId,
        `customer-${i}`,
        veriff ? 'valid' : 'FINISHED',
        veriff ? null : 'static-header',
        at,
        at,
        payload,
      );
    }
  });
  for (let from = 0; from < count; from += 50_000) chunk(from, Math.min(count, from + 50_000));
  // The keys, as the service's merges would have left them: most in lookups, and in lookups_young
  // those of the newest events, half as many as make a promotion due (its average between two).
  registerLookupKey(db);
  const young = Math.floor(Math.min(count, Math.max(PROMOTE_AT_EVENTS, count / PROMOTE_RATIO)) / 2);
  const keys = (table: string, where: string) =>
    db.exec(`INSERT OR IGNORE INTO ${table} (key, seq)
    SELECT key, seq FROM (
      SELECT lookup_key('id', id) AS key, seq FROM events WHERE ${where}
      UNION ALL
      SELECT lookup_key('session', session_id) AS key, seq FROM events WHERE session_id IS NOT NULL AND ${where}
      UNION ALL
      SELECT lookup_key('reference', reference) AS key, seq FROM events WHERE reference IS NOT NULL AND ${where}
    ) ORDER BY key, seq`);
  keys('lookups', `seq <= ${count - young}`);
  keys('lookups_young', `seq > ${count - young}`);
  db.prepare('UPDATE lookup_mark SET seq = ?, young_from = ? WHERE id = 1').run(count, count - young);
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [dir, n] = process.argv.slice(2);
  const started = Date.now();
  await prefill(dir!, Number(n));
  process.stdout.write(`prefilled ${n} events in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
}
