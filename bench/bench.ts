/**
 * npm run bench: the real service (node dist/main.js, embedded SQLite, full durability, log level
 * info) against three anchors on this machine, each in its own process, interleaved in rounds:
 * (L) the limit (bench/bare-server.ts: the project's own verifier and classifier, nothing
 * stored), (I) the idiomatic route and (U) what a team would write instead
 * (bench/idiomatic-server.ts, without and with a synchronous SQLite insert). Autocannon, unique
 * correctly signed deliveries. Prints req/s, latency, errors, the ratios against each anchor, CPU
 * per event by thread, memory and start-up time, whether the targets hold, then checks that every
 * acknowledged delivery is in the store. See BENCHMARKS.md.
 *
 * Options: --rounds N (3) --duration S (8) --connections N (50) --sizes 0,100000,1000000
 *          --quick (one size 0, 2 rounds of 3 s) --postgres (also DATABASE_URL, size 0)
 *          --sink (also, on an empty log: forwarding to an HTTP sink that is up, and to one that is
 *          down; intake compared with no sink, and how long the outbox takes to drain)
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import pg from 'pg';
import { openSqliteReader, SQLITE_FILE } from '../src/store/sqlite-store.js';
import { cpuTicks, fmt, freePort, load, median, rssMb, SERVICE_READY, serviceEnv, startArgs, startServer, type Run } from './load.js';
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
  /** The service's throughput over each anchor's, per round. */
  ratios: Record<'L' | 'I' | 'U', number[]>;
  /** The service's p99 over (U)'s, per round. */
  p99ratioU: number[];
  p99: Record<'service' | 'L' | 'I' | 'U', number[]>;
  /** CPU per event by thread (µs), per round. */
  cpu: Record<string, number>[];
  /** CPU per request of each target's whole process (µs), per round. */
  processCpu: Record<'service' | 'L' | 'I' | 'U', number[]>;
  rssMax: number;
  lost: number;
  acked: number;
  /** With a sink: events still in the outbox when the load ended, and how long they took to drain. */
  backlog?: number;
  drainMs?: number | null;
}

/** CPU clock ticks (10 ms) of each thread of a process, by thread id, with the thread's name. */
function threadTicks(pid: number): Map<string, { name: string; ticks: number }> {
  const out = new Map<string, { name: string; ticks: number }>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const name = readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim();
      out.set(tid, { name: tid === String(pid) ? 'event-loop' : name, ticks: cpuTicks(pid, Number(tid)) });
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  return out;
}

/** µs of CPU per event between two readings, summed by thread name. */
function cpuPerEvent(
  before: Map<string, { name: string; ticks: number }>,
  after: Map<string, { name: string; ticks: number }>,
  events: number,
): Record<string, number> {
  const byName: Record<string, number> = {};
  for (const [tid, a] of after) {
    const ticks = a.ticks - (before.get(tid)?.ticks ?? 0);
    if (ticks > 0) byName[a.name] = (byName[a.name] ?? 0) + (ticks * 10_000) / events;
  }
  byName.total = Object.values(byName).reduce((n, v) => n + v, 0);
  return byName;
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
    const anchorDir = mkdtempSync(path.join(tmpdir(), 'ine-bench-u-'));
    const anchors = {
      L: await startServer(
        ['--import', 'tsx', 'bench/bare-server.ts', String(await freePort())],
        {},
        path.join(work, 'L.log'),
        /listening (\d+)/,
      ),
      I: await startServer(
        ['--import', 'tsx', 'bench/idiomatic-server.ts', String(await freePort())],
        {},
        path.join(work, 'I.log'),
        /listening (\d+)/,
      ),
      U: await startServer(
        ['--import', 'tsx', 'bench/idiomatic-server.ts', String(await freePort()), '--store', anchorDir],
        {},
        path.join(work, 'U.log'),
        /listening (\d+)/,
      ),
    };
    console.log(`  service started in ${service.startupMs.toFixed(0)} ms`);
    for (const anchor of Object.values(anchors)) await load(anchor.url, 2, connections);
    const warm = await load(service.url, 2, connections);
    const acked = [...warm.acked];

    const out: SizeResult = {
      label,
      startupMs: service.startupMs,
      rps: [],
      ratios: { L: [], I: [], U: [] },
      p99ratioU: [],
      p99: { service: [], L: [], I: [], U: [] },
      cpu: [],
      processCpu: { service: [], L: [], I: [], U: [] },
      rssMax: 0,
      lost: 0,
      acked: 0,
    };
    console.log(
      `  ${'round'.padEnd(6)} ${'target'.padEnd(8)} ${'req/s'.padStart(8)} ${'p50 ms'.padStart(8)} ${'p99 ms'.padStart(8)} ${'max ms'.padStart(8)} ${'errors'.padStart(8)} ${'rss MB'.padStart(8)}`,
    );
    const names = ['service', 'L', 'I', 'U'] as const;
    for (let r = 1; r <= rounds; r += 1) {
      // Each round starts with another target, so no target always follows the same one.
      const order = names.map((_, i) => names[(i + r - 1) % names.length]!);
      const runs = {} as Record<(typeof names)[number], Run>;
      for (const target of order) {
        let rssPeak = 0;
        const pid = service.child.pid!;
        const sampler = target === 'service' ? setInterval(() => (rssPeak = Math.max(rssPeak, rssMb(pid))), 200) : undefined;
        const before = target === 'service' ? threadTicks(pid) : undefined;
        const targetPid = target === 'service' ? pid : anchors[target].child.pid!;
        const ticks = cpuTicks(targetPid);
        runs[target] = await load(target === 'service' ? service.url : anchors[target].url, duration, connections);
        out.processCpu[target].push(((cpuTicks(targetPid) - ticks) * 10_000) / (runs[target].rps * duration));
        clearInterval(sampler);
        if (target === 'service') {
          out.rssMax = Math.max(out.rssMax, rssPeak);
          acked.push(...runs.service.acked);
          out.cpu.push(cpuPerEvent(before!, threadTicks(pid), runs.service.rps * duration));
        }
        const x = runs[target];
        console.log(
          `  ${String(r).padEnd(6)} ${target.padEnd(8)} ${fmt(x.rps)} ${fmt(x.p50, 1)} ${fmt(x.p99, 1)} ${fmt(x.max, 1)} ${fmt(x.errors)} ${target === 'service' ? fmt(rssPeak, 0) : ''.padStart(8)}`,
        );
      }
      out.rps.push(runs.service.rps);
      for (const a of ['L', 'I', 'U'] as const) out.ratios[a].push(runs.service.rps / runs[a].rps);
      out.p99ratioU.push(runs.service.p99 / Math.max(runs.U.p99, 1));
      for (const n of names) out.p99[n].push(runs[n].p99);
      console.log(
        `  ${''.padEnd(6)} ${''.padEnd(8)} throughput ${(['L', 'I', 'U'] as const).map((a) => `${(runs.service.rps / runs[a].rps).toFixed(2)}x (${a})`).join(', ')}; p99 ${(runs.service.p99 / Math.max(runs.U.p99, 1)).toFixed(2)}x (U)`,
      );
    }
    for (const anchor of Object.values(anchors)) anchor.child.kill('SIGTERM');
    await Promise.all(Object.values(anchors).map((a) => a.exited));
    rmSync(anchorDir, { recursive: true, force: true });
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
    const code = await service.exited;
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

console.log('\nSummary (medians over rounds; ratios against the anchors measured in the same round)');
console.log('  (L) the limit: the project’s own verifier and classifier, nothing stored; (I) idiomatic Express + zod, nothing stored;');
console.log('  (U) (I) plus one synchronous SQLite INSERT per request (WAL, synchronous=FULL), answering after the commit');
console.log(
  `  ${'case'.padEnd(28)} ${'req/s'.padStart(8)} ${'vs L'.padStart(6)} ${'vs I'.padStart(6)} ${'vs U'.padStart(6)} ${'p99 ms'.padStart(8)} ${'U p99'.padStart(7)} ${'p99/U'.padStart(6)} ${'rss MB'.padStart(7)} ${'start ms'.padStart(9)} ${'lost'.padStart(5)}`,
);
const x = (n: number) => `${n.toFixed(2)}x`.padStart(6);
for (const r of results) {
  console.log(
    `  ${r.label.padEnd(28)} ${fmt(median(r.rps))} ${x(median(r.ratios.L))} ${x(median(r.ratios.I))} ${x(median(r.ratios.U))} ${fmt(median(r.p99.service), 1)} ${median(r.p99.U).toFixed(1).padStart(7)} ${x(median(r.p99ratioU))} ${r.rssMax.toFixed(0).padStart(7)} ${r.startupMs.toFixed(0).padStart(9)} ${String(r.lost).padStart(5)}`,
  );
}
console.log('\nCPU per stored event, by thread (µs, medians over rounds; threads grouped by name)');
for (const r of results) {
  const threads = [...new Set(r.cpu.flatMap((c) => Object.keys(c)))].sort();
  console.log(`  ${r.label.padEnd(28)} ${threads.map((t) => `${t} ${median(r.cpu.map((c) => c[t] ?? 0)).toFixed(0)}`).join(', ')}`);
  console.log(
    `  ${''.padEnd(28)} whole process per request: ${(['service', 'L', 'I', 'U'] as const).map((t) => `${t} ${median(r.processCpu[t]).toFixed(0)}`).join(', ')} (the load generator shares the same cores)`,
  );
}
const base = results[0]!;
const targets: [string, boolean][] = [
  [`throughput at least 3x (U): ${median(base.ratios.U).toFixed(2)}x`, median(base.ratios.U) >= 3],
  [`p99 at most 0.5x (U): ${median(base.p99ratioU).toFixed(2)}x`, median(base.p99ratioU) <= 0.5],
  [`throughput at least 0.9x (I): ${median(base.ratios.I).toFixed(2)}x`, median(base.ratios.I) >= 0.9],
  [`throughput at least 0.5x (L): ${median(base.ratios.L).toFixed(2)}x`, median(base.ratios.L) >= 0.5],
];
// Growth compares SQLite with a larger log against SQLite empty (PostgreSQL is a different store).
for (const r of results.slice(1).filter((y) => y.label.startsWith('sqlite') && !y.label.includes('sink'))) {
  const growth = median(r.ratios.L) / median(base.ratios.L);
  console.log(
    `  growth ${r.label}: throughput ${(median(r.rps) / median(base.rps)).toFixed(2)}x of empty (${growth.toFixed(2)}x, each against (L) of its own rounds), p99 ${(median(r.p99.service) / median(base.p99.service)).toFixed(2)}x of empty`,
  );
  targets.push([`${r.label}: at least 0.85x of the empty log (against (L)): ${growth.toFixed(2)}x`, growth >= 0.85]);
}
// Forwarding against no forwarding, each normalised by (L) measured in its own rounds.
const noSink = results.find((r) => r.label === 'sqlite, 0 stored');
for (const r of results.filter((y) => y.label.includes('sink'))) {
  if (!noSink) break;
  console.log(
    `  ${r.label}: intake throughput ${(median(r.ratios.L) / median(noSink.ratios.L)).toFixed(2)}x of no sink, p99 ${(median(r.p99.service) / median(noSink.p99.service)).toFixed(2)}x of no sink`,
  );
}
console.log(`\nTargets (${base.label}):`);
for (const [text, met] of targets) console.log(`  ${met ? 'met    ' : 'NOT MET'} ${text}`);
const lost = results.reduce((n, r) => n + r.lost, 0);
if (lost > 0) {
  console.error(`FAILED: ${lost} acknowledged deliveries are not in the store or not found by session`);
  process.exit(1);
}
