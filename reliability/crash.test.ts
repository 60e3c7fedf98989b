import pg from 'pg';
import Database from 'better-sqlite3';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SQLITE_FILE } from '../src/store/sqlite-store.js';
import { tempDir } from '../test/helpers/harness.js';
import { createSchema, postgresAvailable } from '../test/helpers/postgres.js';
import { startProcess, type ServiceProcess } from '../test/helpers/service-process.js';
import { report, SHORT } from './reliability-config.js';
import { deliverAll, makeDeliveries, SERVICE_SECRETS } from './vendor-sender.js';

const DELIVERIES = SHORT ? 600 : 4000;
const MAX_DELIVERIES = 40_000;
const KILLS = SHORT ? 2 : 6;

/**
 * A load of unique signed deliveries against the real process, SIGKILLed at random moments and
 * restarted on the same data while the load goes on. Deliveries without an answer are retried,
 * as the vendors do. Afterwards: every acknowledged delivery is stored exactly once.
 */
async function crashRun(backend: 'sqlite' | 'postgres', env: Record<string, string>, stored: () => Promise<Map<string, number>>) {
  const deliveries = makeDeliveries(DELIVERIES);
  const pending = [...deliveries];
  let service: ServiceProcess = await startProcess({ ...env, ...SERVICE_SECRETS });
  const port = Number(new URL(service.url).port);
  let kills = 0;
  let stopKilling = false;
  const killer = (async () => {
    while (kills < KILLS && !stopKilling) {
      await new Promise((r) => setTimeout(r, 150 + Math.random() * (SHORT ? 400 : 900)));
      if (stopKilling) break;
      service.child.kill('SIGKILL');
      await service.exited;
      kills += 1;
      // Restart on the same data and the same port, as an orchestrator would.
      service = await startProcess({ ...env, ...SERVICE_SECRETS, PORT: String(port) });
    }
  })();
  // The load goes on until every kill has happened: more deliveries are added while kills remain.
  const sent = await deliverAll(pending, () => port, {
    concurrency: 24,
    deadlineMs: SHORT ? 60_000 : 240_000,
    more: () => {
      if (kills >= KILLS || deliveries.length >= MAX_DELIVERIES) return [];
      const extra = makeDeliveries(500);
      deliveries.push(...extra);
      return extra;
    },
  });
  stopKilling = true;
  await killer;
  expect(await service.stop('SIGTERM')).toBe(0);

  const rows = await stored();
  const duplicated = [...rows.values()].filter((n) => n > 1).length;
  const lost = [...sent.acknowledged].filter((s) => !rows.has(s)).length;
  const known = new Set(deliveries.map((d) => d.sessionId));
  const unexpected = [...rows.keys()].filter((s) => !known.has(s)).length;
  report(`crash consistency (${backend})`, {
    deliveries: deliveries.length,
    acknowledged: sent.acknowledged.size,
    attempts: sent.attempts,
    unanswered: sent.noAnswer,
    answered503: sent.byStatus.get(503) ?? 0,
    kills,
    lost,
    duplicated,
  });
  expect(kills).toBeGreaterThanOrEqual(SHORT ? 1 : 5);
  expect(sent.acknowledged.size).toBe(deliveries.length);
  expect(lost).toBe(0);
  expect(duplicated).toBe(0);
  expect(unexpected).toBe(0);
  expect(rows.size).toBe(deliveries.length);
}

describe('crash consistency: SIGKILL under load, restart on the same data', () => {
  it('SQLite: every acknowledged delivery is stored exactly once', async () => {
    const data = tempDir('ine-crash-');
    try {
      await crashRun('sqlite', { DATA_DIR: data.dir }, async () => {
        const db = new Database(path.join(data.dir, SQLITE_FILE), { readonly: true });
        const rows = db.prepare('SELECT session_id AS s, count(*) AS n FROM events GROUP BY session_id').all() as {
          s: string;
          n: number;
        }[];
        db.close();
        return new Map(rows.map((r) => [r.s, r.n]));
      });
    } finally {
      data.remove();
    }
  });

  it.skipIf(!postgresAvailable)('PostgreSQL: every acknowledged delivery is stored exactly once', async () => {
    const schema = await createSchema();
    try {
      await crashRun('postgres', { DATABASE_URL: schema.url }, async () => {
        const c = new pg.Client({ connectionString: schema.url });
        await c.connect();
        const { rows } = await c.query<{ s: string; n: string }>('SELECT session_id AS s, count(*) AS n FROM events GROUP BY session_id');
        await c.end();
        return new Map(rows.map((r) => [r.s, Number(r.n)]));
      });
    } finally {
      await schema.drop();
    }
  });
});
