/**
 * What the benchmarks share: starting a server process, the load (autocannon, unique correctly
 * authenticated deliveries) and small measuring helpers. Used by bench.ts and ab.ts.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import autocannon from 'autocannon';
import { signHmac } from '../src/auth/hmac.js';
import { sampleIncodeIneScraping, sampleVeriffIneRegistry } from '../src/delivery/samples.js';

export const ROOT = path.resolve(import.meta.dirname, '..');
export const SECRET = 'bench-veriff-secret';
export const HEADER_SECRET = 'bench-incode-header-secret';

/** The node arguments of `npm start`: the service is benchmarked exactly as it is started. */
export function startArgs(): string[] {
  const script = (JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: { start: string } }).scripts.start;
  if (!script.startsWith('node ')) throw new Error(`unexpected start script: ${script}`);
  return script.split(/\s+/).slice(1);
}

/** The service's environment for a benchmark: embedded SQLite in dataDir unless databaseUrl. */
export async function serviceEnv(dataDir: string, databaseUrl?: string): Promise<Record<string, string>> {
  return {
    NODE_ENV: 'production',
    DATA_DIR: dataDir,
    PORT: String(await freePort()),
    ADMIN_PORT: String(await freePort()),
    HOST: '127.0.0.1',
    VERIFF_SHARED_SECRET: SECRET,
    INCODE_HEADER_NAME: 'x-webhook-secret',
    INCODE_HEADER_SECRET: HEADER_SECRET,
    LOG_LEVEL: 'info',
    ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
  };
}

/** The service's readiness line names its URL. */
export const SERVICE_READY = /"url":"http:\/\/127\.0\.0\.1:(\d+)"/;

/** CPU time (user + system, in clock ticks of 10 ms) of one thread, or of the whole process when tid is absent. */
export function cpuTicks(pid: number, tid?: number): number {
  const stat = readFileSync(tid === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${tid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

export const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });

export interface Started {
  child: ChildProcess;
  url: string;
  startupMs: number;
  exited: Promise<number | null>;
}

/** Spawns a server whose stdout goes to a file (as a container's log driver would take it); waits for its first line naming the port. */
export async function startServer(argv: string[], env: Record<string, string>, logFile: string, ready: RegExp): Promise<Started> {
  const fd = openSync(logFile, 'w');
  const started = performance.now();
  const child = spawn(process.execPath, argv, {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', fd, 'inherit'],
  });
  closeSync(fd);
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  for (;;) {
    const match = ready.exec(readFileSync(logFile, 'utf8'));
    if (match) return { child, url: `http://127.0.0.1:${match[1]}`, startupMs: performance.now() - started, exited };
    if (child.exitCode !== null) throw new Error(`${argv.join(' ')} exited: ${readFileSync(logFile, 'utf8')}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** A unique Veriff delivery, as the seed page shapes it, and the session it is about. */
export function veriffBody(): { body: string; sessionId: string } {
  const sessionId = randomUUID();
  const body = JSON.stringify(sampleVeriffIneRegistry(new Date(), { sessionId, vendorData: `customer-${sessionId.slice(0, 8)}` }));
  return { body, sessionId };
}

export interface Run {
  rps: number;
  p50: number;
  p99: number;
  max: number;
  errors: number;
  acked: string[];
}

/** One autocannon run; three Veriff deliveries (HMAC) to one Incode (custom header), all unique. */
export async function load(url: string, seconds: number, connections = 50): Promise<Run> {
  const acked: string[] = [];
  const veriff = {
    method: 'POST' as const,
    path: '/webhooks/veriff/ine-registry',
    setupRequest(req: Record<string, unknown>, context: Record<string, unknown>) {
      const { body, sessionId } = veriffBody();
      context.sessionId = sessionId;
      return { ...req, body, headers: { 'content-type': 'application/json', 'x-hmac-signature': signHmac(SECRET, body) } };
    },
    onResponse(status: number, _body: string, context: Record<string, unknown>) {
      if (status === 200) acked.push(context.sessionId as string);
    },
  };
  const incode = {
    method: 'POST' as const,
    path: '/webhooks/incode/ine-scraping',
    setupRequest(req: Record<string, unknown>, context: Record<string, unknown>) {
      const sessionId = randomUUID();
      context.sessionId = sessionId;
      return {
        ...req,
        body: JSON.stringify(sampleIncodeIneScraping('FINISHED', sessionId, 'customer-x')),
        headers: { 'content-type': 'application/json', 'x-webhook-secret': HEADER_SECRET },
      };
    },
    onResponse: veriff.onResponse,
  };
  const result = await autocannon({ url, connections, duration: seconds, requests: [veriff, veriff, veriff, incode] as never });
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    max: result.latency.max,
    errors: result.errors + result.timeouts + result.non2xx,
    acked,
  };
}

export const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
export const fmt = (n: number, digits = 0) => n.toFixed(digits).padStart(8);

export function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : 0;
}
