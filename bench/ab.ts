/**
 * npm run bench:ab -- --a dist-a --b dist: two builds of the service, run alternately (A, B, A,
 * B, ...) under the same load, for changes too small to see through this machine's drift
 * (BENCHMARKS.md). Prints each run and, per build, the medians of req/s, p99, CPU per request
 * (event-loop thread and whole process) and peak RSS, then the ratios B/A pair by pair.
 *
 * A build is a directory inside the repository holding main.js (so node_modules resolve), e.g.
 * `git stash && npm run build && cp -r dist dist-a && git stash pop && npm run build`.
 *
 * Options: --a DIR --b DIR --pairs N (4) --duration S (5) --warm S (1) --connections N (50)
 *          --events N (0: an empty log; otherwise prefilled once, and each run gets a copy)
 *          --a-data DIR / --b-data DIR: a prefilled data folder for that build instead (copied
 *          for each run), when the two builds' schemas differ
 *          --a-node FLAGS / --b-node FLAGS: node flags instead of those of `npm start`
 *          (e.g. --b-node=--max-semi-space-size=16; the same DIR twice compares flags alone)
 *          --a-env / --b-env "K=V K=V": settings added for that build (the same DIR twice compares
 *          settings, e.g. forwarding on and off: --b-env "FORWARD_URL=http://127.0.0.1:9/x FORWARD_SECRET=whsec_…")
 */
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { SQLITE_FILE } from '../src/store/sqlite-store.js';
import { cpuTicks, fmt, load, median, ROOT, rssMb, SERVICE_READY, serviceEnv, startArgs, startServer } from './load.js';
import { prefill } from './prefill.js';

const { values: opt } = parseArgs({
  options: {
    a: { type: 'string' },
    b: { type: 'string' },
    pairs: { type: 'string', default: '4' },
    duration: { type: 'string', default: '5' },
    warm: { type: 'string', default: '1' },
    connections: { type: 'string', default: '50' },
    events: { type: 'string', default: '0' },
    'a-data': { type: 'string' },
    'b-data': { type: 'string' },
    'a-node': { type: 'string' },
    'b-node': { type: 'string' },
    'a-env': { type: 'string' },
    'b-env': { type: 'string' },
  },
});
if (!opt.a || !opt.b) {
  console.error('usage: npm run bench:ab -- --a DIR --b DIR [--pairs N] [--duration S] [--warm S] [--events N]');
  process.exit(2);
}
const builds = { A: opt.a, B: opt.b };
for (const dir of Object.values(builds)) {
  if (!existsSync(path.join(ROOT, dir, 'main.js'))) throw new Error(`${dir}/main.js not found (a build directory inside the repository)`);
}
const events = Number(opt.events);
const connections = Number(opt.connections);

interface Measured {
  rps: number;
  p99: number;
  loopUs: number;
  processUs: number;
  rssMb: number;
}

/** The node arguments of `npm start` (or the flags given), with the build's main.js for dist/main.js. */
function argsFor(dir: string, nodeFlags: string | undefined): string[] {
  const flags = nodeFlags === undefined ? startArgs().filter((arg) => arg !== 'dist/main.js') : nodeFlags.split(/\s+/).filter(Boolean);
  return [...flags, path.join(dir, 'main.js')];
}

/** "K=V K=V" as environment entries. */
const envFrom = (text: string | undefined): Record<string, string> =>
  Object.fromEntries(
    (text ?? '')
      .split(/\s+/)
      .filter(Boolean)
      .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
  );

async function runOnce(
  dir: string,
  nodeFlags: string | undefined,
  template: string | undefined,
  extraEnv: Record<string, string>,
): Promise<Measured> {
  const work = mkdtempSync(path.join(tmpdir(), 'ine-ab-'));
  try {
    if (template) copyFileSync(path.join(template, SQLITE_FILE), path.join(work, SQLITE_FILE));
    const service = await startServer(
      argsFor(dir, nodeFlags),
      { ...(await serviceEnv(work)), ...extraEnv },
      path.join(work, 'service.log'),
      SERVICE_READY,
    );
    const pid = service.child.pid!;
    if (Number(opt.warm) > 0) await load(service.url, Number(opt.warm), connections);
    let rss = 0;
    const sampler = setInterval(() => (rss = Math.max(rss, rssMb(pid))), 200);
    const before = { loop: cpuTicks(pid, pid), all: cpuTicks(pid) };
    const run = await load(service.url, Number(opt.duration), connections);
    const after = { loop: cpuTicks(pid, pid), all: cpuTicks(pid) };
    clearInterval(sampler);
    service.child.kill('SIGTERM');
    await service.exited;
    const requests = run.rps * Number(opt.duration);
    // Clock ticks are 10 ms: 10 000 µs each.
    return {
      rps: run.rps,
      p99: run.p99,
      loopUs: ((after.loop - before.loop) * 10_000) / requests,
      processUs: ((after.all - before.all) * 10_000) / requests,
      rssMb: rss,
    };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

let template: string | undefined;
if (events > 0) {
  template = mkdtempSync(path.join(tmpdir(), 'ine-ab-template-'));
  const started = performance.now();
  await prefill(template, events);
  console.log(`prefilled ${events} events in ${((performance.now() - started) / 1000).toFixed(1)} s (each run gets a copy)`);
}
const results: Record<'A' | 'B', Measured[]> = { A: [], B: [] };
console.log(
  `A = ${builds.A} ${opt['a-node'] ?? ''} ${opt['a-env'] ?? ''}, B = ${builds.B} ${opt['b-node'] ?? ''} ${opt['b-env'] ?? ''}; ${opt.pairs} pairs × ${opt.duration} s, ${connections} connections, ${events} events stored${opt['a-data'] || opt['b-data'] ? ` (data: A ${opt['a-data'] ?? 'as above'}, B ${opt['b-data'] ?? 'as above'})` : ''}`,
);
console.log(
  `  ${'run'.padEnd(6)} ${'req/s'.padStart(8)} ${'p99 ms'.padStart(8)} ${'loop µs'.padStart(8)} ${'proc µs'.padStart(8)} ${'rss MB'.padStart(8)}`,
);
try {
  for (let pair = 1; pair <= Number(opt.pairs); pair += 1) {
    for (const build of ['A', 'B'] as const) {
      const data = (build === 'A' ? opt['a-data'] : opt['b-data']) ?? template;
      const m = await runOnce(
        builds[build],
        build === 'A' ? opt['a-node'] : opt['b-node'],
        data,
        envFrom(build === 'A' ? opt['a-env'] : opt['b-env']),
      );
      results[build].push(m);
      console.log(`  ${`${build}${pair}`.padEnd(6)} ${fmt(m.rps)} ${fmt(m.p99, 1)} ${fmt(m.loopUs)} ${fmt(m.processUs)} ${fmt(m.rssMb)}`);
    }
  }
} finally {
  if (template) rmSync(template, { recursive: true, force: true });
}

console.log('\nMedians');
for (const build of ['A', 'B'] as const) {
  const r = results[build];
  const med = (f: (m: Measured) => number) => median(r.map(f));
  console.log(
    `  ${build}: ${med((m) => m.rps).toFixed(0)} req/s, p99 ${med((m) => m.p99).toFixed(1)} ms, event loop ${med((m) => m.loopUs).toFixed(0)} µs/request, process ${med((m) => m.processUs).toFixed(0)} µs/request, peak RSS ${med((m) => m.rssMb).toFixed(0)} MB`,
  );
}
const ratios = (f: (m: Measured) => number) => results.A.map((a, i) => (f(results.B[i]!) / f(a)).toFixed(2)).join(' ');
console.log(
  `B/A by pair: req/s ${ratios((m) => m.rps)}; p99 ${ratios((m) => m.p99)}; event-loop CPU per request ${ratios((m) => m.loopUs)}`,
);
console.log(`B/A median: req/s ${median(results.A.map((a, i) => results.B[i]!.rps / a.rps)).toFixed(2)}x`);
