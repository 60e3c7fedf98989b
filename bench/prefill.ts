/**
 * Fills an embedded store with N realistic events fast (big transactions, no fsync), so the
 * benchmark can measure the service with a large log. Usage: prefill.ts DATA_DIR N
 */
import { createHash, randomUUID } from 'node:crypto';
import path from 'node:path';
import Database from 'better-sqlite3';
import { sampleIncodeIneScraping, sampleVeriffIneRegistry } from '../src/delivery/samples.js';
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
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [dir, n] = process.argv.slice(2);
  const started = Date.now();
  await prefill(dir!, Number(n));
  process.stdout.write(`prefilled ${n} events in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
}
