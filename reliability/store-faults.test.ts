import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { SQLITE_FILE } from '../src/store/sqlite-store.js';
import { createSchema, postgresAvailable } from '../test/helpers/postgres.js';
import { canMountTmpfs, mountTmpfs } from '../test/helpers/tmpfs.js';
import { startProcess } from '../test/helpers/service-process.js';
import { report, SHORT } from './reliability-config.js';
import { deliverAll, makeDeliveries, SERVICE_SECRETS } from './vendor-sender.js';

const canMount = canMountTmpfs('store fault tests');
const pgCluster = existsSync('/etc/postgresql') ? readdirSync('/etc/postgresql')[0] : undefined;
const canStopPostgres = postgresAvailable && pgCluster !== undefined && process.getuid?.() === 0;
if (postgresAvailable && !canStopPostgres) console.warn('PostgreSQL stop/start test SKIPPED: needs root and pg_ctlcluster');

const readyz = async (url: string) => (await fetch(`${url}/readyz`).catch(() => ({ status: 0 }))).status;

/** Runs the load while `fault` is injected and lifted; returns what the sender saw and whether /readyz showed it. */
async function underLoad(url: string, count: number, inject: () => void, lift: () => void) {
  const deliveries = makeDeliveries(count);
  const port = Number(new URL(url).port);
  const readiness: number[] = [];
  const sending = deliverAll(deliveries, () => port, { concurrency: 16, deadlineMs: 90_000, retryDelayMs: 100 });
  await new Promise((r) => setTimeout(r, 400));
  inject();
  const faultStart = Date.now();
  while (Date.now() - faultStart < (SHORT ? 1500 : 3000)) {
    readiness.push(await readyz(url));
    await new Promise((r) => setTimeout(r, 200));
  }
  lift();
  const sent = await sending;
  const readyAfter = await readyz(url);
  return { deliveries, sent, readiness, readyAfter };
}

function sqliteRows(dir: string): Map<string, number> {
  const db = new Database(path.join(dir, SQLITE_FILE), { readonly: true });
  const rows = db.prepare('SELECT session_id AS s, count(*) AS n FROM events GROUP BY session_id').all() as { s: string; n: number }[];
  db.close();
  return new Map(rows.map((r) => [r.s, r.n]));
}

function verify(name: string, run: Awaited<ReturnType<typeof underLoad>>, rows: Map<string, number>) {
  const lost = [...run.sent.acknowledged].filter((s) => !rows.has(s)).length;
  const duplicated = [...rows.values()].filter((n) => n > 1).length;
  const refused = run.sent.byStatus.get(503) ?? 0;
  report(name, {
    deliveries: run.deliveries.length,
    acknowledged: run.sent.acknowledged.size,
    answered503: refused,
    unanswered: run.sent.noAnswer,
    readyz503: run.readiness.filter((s) => s === 503).length,
    lost,
    duplicated,
  });
  expect(refused).toBeGreaterThan(0);
  expect(run.readiness).toContain(503);
  expect(run.readyAfter).toBe(200);
  expect(run.sent.acknowledged.size).toBe(run.deliveries.length);
  expect(lost).toBe(0);
  expect(duplicated).toBe(0);
  expect(rows.size).toBe(run.deliveries.length);
}

describe('store faults under load: 503 while it lasts, recovery without a restart, nothing lost or doubled', () => {
  it.skipIf(!canMount)('SQLite: the filesystem fills up, then space is freed', async () => {
    const disk = mountTmpfs('16m');
    const mnt = disk.dir;
    const filler = path.join(mnt, 'filler');
    try {
      const service = await startProcess({ DATA_DIR: mnt, ...SERVICE_SECRETS });
      const run = await underLoad(
        service.url,
        SHORT ? 800 : 2000,
        () => execFileSync('sh', ['-c', `dd if=/dev/zero of=${filler} bs=64k 2>/dev/null || true`]),
        () => execFileSync('rm', ['-f', filler]),
      );
      expect(await service.stop('SIGTERM')).toBe(0);
      expect(service.lines.some((l) => l.outcome === 'store_unavailable' && /SQLITE_FULL/.test(String(l.reason)))).toBe(true);
      verify('store fault: SQLite disk full', run, sqliteRows(mnt));
    } finally {
      disk.remove();
    }
  });

  it.skipIf(!canStopPostgres)('PostgreSQL: the server is stopped mid-load and started again', async () => {
    const schema = await createSchema();
    const ctl = (action: 'stop' | 'start') =>
      execFileSync(
        'pg_ctlcluster',
        ['--skip-systemctl-redirect', pgCluster!, 'main', action, ...(action === 'stop' ? ['-m', 'fast'] : [])],
        { stdio: 'ignore' },
      );
    try {
      const service = await startProcess({
        DATABASE_URL: schema.url,
        ...SERVICE_SECRETS,
        PG_CONNECT_TIMEOUT_MS: '1000',
        PG_QUERY_TIMEOUT_MS: '2000',
      });
      let run;
      try {
        run = await underLoad(
          service.url,
          SHORT ? 800 : 2000,
          () => ctl('stop'),
          () => ctl('start'),
        );
      } finally {
        if (execFileSync('sh', ['-c', 'pg_isready -q -h 127.0.0.1 && echo up || echo down']).toString().trim() !== 'up') ctl('start');
      }
      expect(await service.stop('SIGTERM')).toBe(0);
      const c = new pg.Client({ connectionString: schema.url });
      await c.connect();
      const { rows } = await c.query<{ s: string; n: string }>('SELECT session_id AS s, count(*) AS n FROM events GROUP BY session_id');
      await c.end();
      verify('store fault: PostgreSQL stopped and restarted', run, new Map(rows.map((r) => [r.s, Number(r.n)])));
    } finally {
      await schema.drop();
    }
  });
});
