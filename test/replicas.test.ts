import { spawnSync } from 'node:child_process';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleIncodeIneScraping, sampleVeriffIneRegistry } from '../src/delivery/samples.js';
import { sendIncode, sendVeriff } from '../src/delivery/send-webhook.js';
import { createSchema, postgresAvailable } from './helpers/postgres.js';
import { CLEAN_CWD, startProcess, type ServiceProcess } from './helpers/service-process.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const SECRET = 'replica-test-veriff-secret';
const HEADER = { kind: 'static-header' as const, headerName: 'x-webhook-secret', secret: 'replica-test-header-secret' };

describe.skipIf(!postgresAvailable)('two replicas sharing one PostgreSQL', () => {
  let schema: Awaited<ReturnType<typeof createSchema>>;
  let replicas: ServiceProcess[] = [];
  beforeAll(async () => {
    schema = await createSchema();
  });
  afterAll(async () => {
    await Promise.all(replicas.map((r) => (r.child.exitCode === null ? r.stop('SIGKILL') : undefined)));
    await schema.drop();
  });

  it('`ine-webhooks migrate` prepares an empty database, and says so again without changes', () => {
    const run = () =>
      spawnSync(process.execPath, [path.join(ROOT, 'dist/cli/main.js'), 'migrate'], {
        cwd: CLEAN_CWD,
        env: { PATH: process.env.PATH ?? '', DATABASE_URL: schema.url },
        encoding: 'utf8',
      });
    const first = run();
    expect(first.status).toBe(0);
    expect(first.stdout.trim()).toBe('postgres: applied 1, 2, 3, 4, 5, 6, 7, 8, 9; schema at version 9');
    const second = run();
    expect(second.stdout.trim()).toBe('postgres: schema up to date at version 9');
  });

  it('stores concurrent duplicate deliveries sent to both replicas exactly once each, with exact counts', async () => {
    const env = {
      DATABASE_URL: schema.url,
      MIGRATE_ON_START: 'false',
      VERIFF_SHARED_SECRET: SECRET,
      INCODE_HEADER_NAME: HEADER.headerName,
      INCODE_HEADER_SECRET: HEADER.secret,
      LOG_LEVEL: 'info',
      PG_POOL_MAX: '5',
    };
    replicas = await Promise.all([startProcess(env), startProcess(env)]);

    const veriff = Array.from({ length: 60 }, () => sampleVeriffIneRegistry());
    const incode = Array.from({ length: 30 }, (_, i) => sampleIncodeIneScraping(i % 2 ? 'FINISHED' : 'IN_PROGRESS'));
    const copies = (i: number) => 2 + (i % 3); // 2, 3 or 4 deliveries of each
    const jobs: (() => Promise<{ status: number }>)[] = [];
    veriff.forEach((p, i) => {
      for (let c = 0; c < copies(i); c += 1)
        jobs.push(() => sendVeriff(replicas[(i + c) % 2]!.url, SECRET, { ...p, time: new Date().toISOString() }));
    });
    incode.forEach((p, i) => {
      for (let c = 0; c < copies(i); c += 1) jobs.push(() => sendIncode(replicas[(i + c + 1) % 2]!.url, HEADER, p));
    });
    jobs.sort(() => Math.random() - 0.5);
    const statuses: number[] = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: 40 }, async () => {
        while (next < jobs.length) {
          const job = jobs[next++]!;
          statuses.push((await job()).status);
        }
      }),
    );
    expect(jobs.length).toBeGreaterThan(250);
    expect(statuses.filter((s) => s !== 200)).toEqual([]);

    const c = new pg.Client({ connectionString: schema.url });
    await c.connect();
    const rows = (
      await c.query<{ session_id: string; status: string; deliveries: number }>('SELECT session_id, status, deliveries FROM events')
    ).rows;
    await c.end();
    expect(rows).toHaveLength(veriff.length + incode.length);
    const count = new Map(rows.map((r) => [`${r.session_id}/${r.status}`, r.deliveries]));
    veriff.forEach((p, i) => expect(count.get(`${p.sessionId}/valid`)).toBe(copies(i)));
    incode.forEach((p, i) => expect(count.get(`${p.InterviewId}/${p.ScrapingStatus}`)).toBe(copies(i)));

    const lines = replicas.flatMap((r) => r.lines);
    expect(lines.filter((l) => l.outcome === 'store_unavailable')).toEqual([]);
    expect(await Promise.all(replicas.map((r) => r.stop('SIGTERM')))).toEqual([0, 0]);
  });
});
