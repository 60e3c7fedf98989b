/**
 * npm run bench: the real service (node dist/main.js, embedded SQLite, full durability) against a
 * bare Express 5 endpoint on this machine, interleaved rounds, autocannon, unique correctly
 * signed deliveries. Prints req/s, latency, errors, ratios, memory and start-up time, then checks
 * that every acknowledged delivery is in the store. See BENCHMARKS.md.
 *
 * Options: --rounds N (3) --duration S (8) --connections N (50) --sizes 0,100000,1000000
 *          --quick (one size 0, 2 rounds of 3 s) --postgres (also DATABASE_URL, size 0)
 *          --sink (also, on an empty log: forwarding to an HTTP sink that is up, and to one that is
 *          down; intake compared with no sink, and how long the outbox takes to drain)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import pg from 'pg';
import { openSqliteReader, SQLITE_FILE } from '../src/store/sqlite-store.js';
import { fmt, freePort, load, median, rssMb, SERVICE_READY, serviceEnv, startArgs, startServer, type Run } from './load.js';
import { prefill } from './prefill.js';

/** The service is started exactly as `npm start` starts it: the node arguments of that script. */
const START_ARGS = startArgs();
const { values: opt } = parseArgs({
  options: {
    rounds: { type: 'string', default: '3' },
    duration: { type: 'string', default: '8' },
    connections: { type: 'string', default: '50' },
    sizes: { type: 'string', default: '0,100000,1000000' },
    quick: { type: 'boolean', default: false },
    postgres: { type: 'boolean', default: false },
    sink: { type: 'boolean', default: false },
  },
});
const rounds = opt.quick ? 2 : Number(opt.rounds);
const duration = opt.quick ? 3 : Number(opt.duration);
const connections = Number(opt.connections);
const sizes = opt.quick ? [0] : opt.sizes.split(',').map(Number);
/** Acknowledged deliveries looked up by session afterwards, through the read path. */
const LOOKUP_SAMPLE = 2000;

interface SizeResult {
  label: string;
  startupMs: number;
  rps: number[];
  ratios: number[];
  p99ratios: number[];
  bareP99: number;
  serviceP99: number;
  rssMax: number;
  lost: number;
  acked: number;
  /** With a sink: events still in the outbox when the load ended, and how long they took to drain. */
  backlog?: number;
  drainMs?: number | null;
}

/** Forwarding for one case: to an HTTP sink that answers, or to a port where nothing listens. */
type SinkCase = 'up' | 'down' | undefined;

const SINK_SECRET = `whsec_${Buffer.from('bench-forward-signing-key-0123456').toString('base64')}`;

/** Events waiting in the outbox (read-only, beside the running service). */
function outboxBacklog(work: string): number {
  const db = new Database(path.join(work, SQLITE_FILE), { readonly: true });
  try {
    return db.prepare('SELECT count(*) FROM outbox').pluck().get() as number;
  } finally {
    db.close();
  }
}

async function benchOne(label: string, size: number, backend: { databaseUrl?: string }, sink?: SinkCase): Promise<SizeResult> {
  const work = mkdtempSync(path.join(tmpdir(), 'ine-bench-'));
  try {
    if (size > 0 && !backend.databaseUrl) {
      const t = performance.now();
      await prefill(work, size);
      console.log(`  prefilled ${size} events in ${((performance.now() - t) / 1000).toFixed(1)} s`);
    }
    const env = await serviceEnv(work, backend.databaseUrl);
    const receiver =
      sink === 'up'
        ? await startServer(
            ['--import', 'tsx', 'bench/sink-receiver.ts', String(await freePort())],
            {},
            path.join(work, 'sink.log'),
            /listening (\d+)/,
          )
        : undefined;
    if (sink) {
      env.FORWARD_URL = `${receiver?.url ?? `http://127.0.0.1:${await freePort()}`}/hooks`;
      env.FORWARD_SECRET = SINK_SECRET;
    }
    const service = await startServer(START_ARGS, env, path.join(work, 'service.log'), SERVICE_READY);
    const bare = await startServer(
      ['--import', 'tsx', 'bench/bare-server.ts', String(await freePort())],
      {},
      path.join(work, 'bare.log'),
      /listening (\d+)/,
    );
    console.log(`  service started in ${service.startupMs.toFixed(0)} ms`);
    await load(bare.url, 2, connections);
    const warm = await load(service.url, 2, connections);
    const acked = [...warm.acked];

    const out: SizeResult = {
      label,
      startupMs: service.startupMs,
      rps: [],
      ratios: [],
      p99ratios: [],
      bareP99: 0,
      serviceP99: 0,
      rssMax: 0,
      lost: 0,
      acked: 0,
    };
    const bareP99s: number[] = [];
    const serviceP99s: number[] = [];
    console.log(
      `  ${'round'.padEnd(6)} ${'target'.padEnd(8)} ${'req/s'.padStart(8)} ${'p50 ms'.padStart(8)} ${'p99 ms'.padStart(8)} ${'max ms'.padStart(8)} ${'errors'.padStart(8)} ${'rss MB'.padStart(8)}   ratio (service/bare)`,
    );
    for (let r = 1; r <= rounds; r += 1) {
      const order = r % 2 ? (['bare', 'service'] as const) : (['service', 'bare'] as const);
      const runs: Record<string, Run> = {};
      for (const target of order) {
        let rssPeak = 0;
        const sampler = target === 'service' ? setInterval(() => (rssPeak = Math.max(rssPeak, rssMb(service.child.pid!))), 200) : undefined;
        runs[target] = await load(target === 'bare' ? bare.url : service.url, duration, connections);
        clearInterval(sampler);
        if (target === 'service') {
          out.rssMax = Math.max(out.rssMax, rssPeak);
          acked.push(...runs.service!.acked);
        }
        const x = runs[target]!;
        console.log(
          `  ${String(r).padEnd(6)} ${target.padEnd(8)} ${fmt(x.rps)} ${fmt(x.p50, 1)} ${fmt(x.p99, 1)} ${fmt(x.max, 1)} ${fmt(x.errors)} ${target === 'service' ? fmt(rssPeak, 0) : ''.padStart(8)}`,
        );
      }
      const ratio = runs.service!.rps / runs.bare!.rps;
      const p99ratio = runs.service!.p99 / Math.max(runs.bare!.p99, 1);
      out.rps.push(runs.service!.rps);
      out.ratios.push(ratio);
      out.p99ratios.push(p99ratio);
      bareP99s.push(runs.bare!.p99);
      serviceP99s.push(runs.service!.p99);
      console.log(`  ${''.padEnd(6)} ${''.padEnd(8)} throughput ${ratio.toFixed(2)}x, p99 ${p99ratio.toFixed(2)}x`);
    }
    out.bareP99 = median(bareP99s);
    out.serviceP99 = median(serviceP99s);
    if (sink) {
      out.backlog = outboxBacklog(work);
      out.drainMs = null;
      if (sink === 'up') {
        const t = performance.now();
        while (outboxBacklog(work) > 0 && performance.now() - t < 300_000) await new Promise((r) => setTimeout(r, 100));
        if (outboxBacklog(work) === 0) out.drainMs = performance.now() - t;
      }
      console.log(
        `  outbox at the end of the load: ${out.backlog} events; ${out.drainMs == null ? 'not drained (sink down)' : `drained in ${(out.drainMs / 1000).toFixed(1)} s`}`,
      );
      receiver?.child.kill('SIGTERM');
      await receiver?.exited;
    }

    service.child.kill('SIGTERM');
    bare.child.kill('SIGTERM');
    const code = await service.exited;
    await bare.exited;
    if (code !== 0) throw new Error(`service exited ${code} on SIGTERM`);

    // A benchmark that loses data is not a result: every acknowledged delivery must be stored.
    let stored: Set<string>;
    if (backend.databaseUrl) {
      const client = new pg.Client({ connectionString: backend.databaseUrl });
      await client.connect();
      stored = new Set((await client.query<{ session_id: string }>('SELECT session_id FROM events')).rows.map((r) => r.session_id));
      await client.end();
    } else {
      const db = new Database(path.join(work, SQLITE_FILE), { readonly: true });
      stored = new Set(db.prepare('SELECT session_id FROM events').pluck().all() as string[]);
      db.close();
    }
    out.acked = acked.length;
    out.lost = acked.filter((s) => !stored.has(s)).length;
    console.log(`  acknowledged ${acked.length}, stored ${acked.length - out.lost}, lost ${out.lost}`);
    if (!backend.databaseUrl) {
      // And found by session as the read API finds it: a sample.
      const reader = await openSqliteReader(work);
      const sample = Array.from({ length: Math.min(LOOKUP_SAMPLE, acked.length) }, () => acked[Math.floor(Math.random() * acked.length)]!);
      let unfound = 0;
      for (const sessionId of sample) if ((await reader.listEvents({ sessionId, limit: 1 })).items.length === 0) unfound += 1;
      await reader.close();
      out.lost += unfound;
      console.log(`  found by session through the read API: ${sample.length - unfound} of a sample of ${sample.length}`);
    }
    return out;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

console.log(
  `ine-webhooks benchmark: node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB; ${connections} connections, ${rounds} rounds × ${duration} s per target`,
);
const results: SizeResult[] = [];
for (const size of sizes) {
  console.log(`\nSQLite (WAL, synchronous=FULL), ${size.toLocaleString('en')} events already stored`);
  results.push(await benchOne(`sqlite, ${size.toLocaleString('en')} stored`, size, {}));
}
if (opt.sink) {
  for (const sink of ['up', 'down'] as const) {
    console.log(`\nSQLite, empty, forwarding to an HTTP sink that is ${sink}`);
    results.push(await benchOne(`sqlite, empty, sink ${sink}`, 0, {}, sink));
  }
}
if (opt.postgres) {
  if (!process.env.DATABASE_URL) throw new Error('--postgres needs DATABASE_URL');
  const url = process.env.DATABASE_URL;
  const schema = `bench_${Date.now()}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${schema}`);
  try {
    const u = new URL(url);
    u.searchParams.set('options', `-c search_path=${schema}`);
    console.log(`\nPostgreSQL (${u.host}), empty`);
    results.push(await benchOne('postgres, empty', 0, { databaseUrl: u.href }));
  } finally {
    await admin.query(`DROP SCHEMA ${schema} CASCADE`);
    await admin.end();
  }
}

console.log('\nSummary (medians over rounds; ratios against the bare endpoint measured in the same round)');
console.log(
  `  ${'case'.padEnd(28)} ${'req/s'.padStart(8)} ${'thru'.padStart(6)} ${'p99 ms'.padStart(8)} ${'bare p99'.padStart(9)} ${'p99'.padStart(6)} ${'rss MB'.padStart(7)} ${'start ms'.padStart(9)} ${'lost'.padStart(5)}`,
);
for (const r of results) {
  console.log(
    `  ${r.label.padEnd(28)} ${fmt(median(r.rps))} ${(median(r.ratios).toFixed(2) + 'x').padStart(6)} ${fmt(r.serviceP99, 1)} ${r.bareP99.toFixed(1).padStart(9)} ${(median(r.p99ratios).toFixed(2) + 'x').padStart(6)} ${r.rssMax.toFixed(0).padStart(7)} ${r.startupMs.toFixed(0).padStart(9)} ${String(r.lost).padStart(5)}`,
  );
}
const base = results[0]!;
// Growth compares SQLite with a larger log against SQLite empty (PostgreSQL is a different store).
for (const r of results.slice(1).filter((x) => x.label.startsWith('sqlite') && !x.label.includes('sink'))) {
  console.log(
    `  growth ${r.label}: throughput ${(median(r.rps) / median(base.rps)).toFixed(2)}x of empty, p99 ${(r.serviceP99 / base.serviceP99).toFixed(2)}x of empty`,
  );
}
// Forwarding against no forwarding, each normalised by the bare endpoint measured in its own rounds.
const noSink = results.find((r) => r.label === 'sqlite, 0 stored');
for (const r of results.filter((x) => x.label.includes('sink'))) {
  if (!noSink) break;
  console.log(
    `  ${r.label}: intake throughput ${(median(r.ratios) / median(noSink.ratios)).toFixed(2)}x of no sink, p99 ${(median(r.p99ratios) / median(noSink.p99ratios)).toFixed(2)}x of no sink`,
  );
}
const lost = results.reduce((n, r) => n + r.lost, 0);
if (lost > 0) {
  console.error(`FAILED: ${lost} acknowledged deliveries are not in the store or not found by session`);
  process.exit(1);
}
