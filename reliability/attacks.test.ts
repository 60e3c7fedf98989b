/**
 * The attacks a hostile sender with valid credentials (or none) tried on the first edition, repeated
 * against the built service as a real process, on both backends: stored bodies that would break
 * reads, bodies the database refuses for itself, huge reads, stalled bodies, bad admin parameters.
 */
import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { signHmac } from '../src/auth/hmac.js';
import { tempDir } from '../test/helpers/harness.js';
import { createSchema, postgresAvailable } from '../test/helpers/postgres.js';
import { startProcess, type ServiceProcess } from '../test/helpers/service-process.js';
import { report, SHORT } from './reliability-config.js';
import { INCODE_HEADER, makeDeliveries, post, SERVICE_SECRETS, VERIFF_SECRET, type Delivery } from './vendor-sender.js';

const ADMIN_TOKEN = 'reliability-admin-token-0123456789';
const incode = (body: string): Delivery => ({
  sessionId: '',
  path: '/webhooks/incode/ine-scraping',
  body,
  headers: { 'content-type': 'application/json', [INCODE_HEADER.name]: INCODE_HEADER.secret },
});
const veriff = (body: string): Delivery => ({
  sessionId: '',
  path: '/webhooks/veriff',
  body,
  headers: { 'content-type': 'application/json', 'x-hmac-signature': signHmac(VERIFF_SECRET, body) },
});
const admin = async (service: ServiceProcess, path: string, token: string | undefined = ADMIN_TOKEN) => {
  const started = performance.now();
  const res = await fetch(`${service.adminUrl}${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  const text = await res.text();
  return { status: res.status, bytes: text.length, ms: performance.now() - started };
};
const rssMb = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;

const backends: { name: 'SQLite' | 'PostgreSQL'; env(): Promise<{ env: Record<string, string>; drop(): Promise<void> }> }[] = [
  {
    name: 'SQLite',
    env: async () => {
      const data = tempDir('ine-attacks-');
      return { env: { DATA_DIR: data.dir }, drop: async () => data.remove() };
    },
  },
  {
    name: 'PostgreSQL',
    env: async () => {
      const schema = await createSchema();
      return { env: { DATABASE_URL: schema.url }, drop: () => schema.drop() };
    },
  },
];

for (const backend of backends) {
  describe.skipIf(backend.name === 'PostgreSQL' && !postgresAvailable)(`attacks on ${backend.name}`, () => {
    let service: ServiceProcess;
    let place: Awaited<ReturnType<(typeof backends)[number]['env']>>;
    const start = async (extra: Record<string, string> = {}) => {
      place = await backend.env();
      service = await startProcess({ ...place.env, ...SERVICE_SECRETS, ADMIN_TOKEN, ...extra });
      return Number(new URL(service.url).port);
    };
    afterAll(async () => {
      if (service?.child.exitCode === null) await service.stop('SIGKILL');
      await place?.drop();
    });

    it('bodies nested deep, and NUL in identifiers, are quarantined (400), never stored to break reads nor refused with 503; their neighbours commit', async () => {
      const port = await start();
      const deep = (levels: number) =>
        `{"InterviewId":"deep-${levels}","ScrapingStatus":"FINISHED","x":${'['.repeat(levels)}${']'.repeat(levels)}}`;
      const hostile = [
        incode(deep(5_000)),
        incode(deep(100_000)),
        incode('{"InterviewId":"a\\u0000b","ScrapingStatus":"FINISHED"}'),
        incode('{"InterviewId":"nul-ext","ScrapingStatus":"FINISHED","externalId":"c\\u0000"}'),
        veriff('{"eventType":"ine_registry","sessionId":"s\\u0000","attemptId":"a","version":"1","data":{}}'),
        veriff('{"verification":{"id":"v-nul","vendorData":"r\\u0000"}}'),
      ];
      const good = makeDeliveries(SHORT ? 200 : 1022);
      // All at once, so hostile bodies share group commits with genuine ones.
      const answers = await Promise.all([...hostile, ...good].map((d) => post(port, d, 15_000)));
      const hostileStatuses = answers.slice(0, hostile.length).map((a) => a.status);
      const goodOk = answers.slice(hostile.length).filter((a) => a.status === 200).length;
      const reads = await Promise.all(
        ['/events?limit=1000', '/events?provider=incode&limit=1000', '/quarantine?limit=100', '/sessions?reference=customer-3'].map((p) =>
          admin(service, p),
        ),
      );
      report(`hostile bodies (${backend.name})`, {
        hostileSent: hostile.length,
        hostileAnswered400: hostileStatuses.filter((s) => s === 400).length,
        genuineSent: good.length,
        genuineAnswered200: goodOk,
        readsAnswered200: reads.filter((r) => r.status === 200).length,
      });
      expect(hostileStatuses).toEqual(hostile.map(() => 400));
      expect(goodOk).toBe(good.length);
      expect(reads.map((r) => r.status)).toEqual([200, 200, 200, 200]);
      // A redelivery of a refused body is counted in quarantine, still 400, never 503.
      expect((await post(port, hostile[1]!)).status).toBe(400);
      await service.stop('SIGTERM');
      await place.drop();
    }, 120_000);

    it('reads of many large events stay bounded in bytes and memory, and do not stall deliveries', async () => {
      const port = await start();
      const count = SHORT ? 120 : 720;
      const pad = 'x'.repeat(250 * 1024);
      for (let i = 0; i < count; i += 8) {
        await Promise.all(
          Array.from({ length: Math.min(8, count - i) }, (_, j) =>
            post(port, incode(`{"InterviewId":"big-${i + j}","ScrapingStatus":"FINISHED","externalId":"one-customer","pad":"${pad}"}`)),
          ),
        );
      }
      const before = rssMb(service.child.pid!);
      // Readers and a genuine sender at the same time.
      const sender = (async () => {
        const latencies: number[] = [];
        for (const d of makeDeliveries(SHORT ? 40 : 200)) {
          const t = performance.now();
          expect((await post(port, d)).status).toBe(200);
          latencies.push(performance.now() - t);
        }
        return latencies.sort((a, b) => a - b);
      })();
      const reads = await Promise.all([
        admin(service, '/events?reference=one-customer&limit=1000'),
        admin(service, '/events?limit=1000'),
        admin(service, '/sessions?reference=one-customer'),
        admin(service, '/events?reference=one-customer&limit=1000'),
      ]);
      const latencies = await sender;
      const peak = rssMb(service.child.pid!);
      const p99 = latencies[Math.floor(latencies.length * 0.99)]!;
      report(`large reads (${backend.name})`, {
        events: count,
        eventKiB: 250,
        largestReadMiB: Number((Math.max(...reads.map((r) => r.bytes)) / 2 ** 20).toFixed(1)),
        slowestReadMs: Math.round(Math.max(...reads.map((r) => r.ms))),
        rssBeforeMb: Math.round(before),
        rssPeakMb: Math.round(peak),
        deliveryP99MsDuringReads: Math.round(p99),
      });
      expect(reads.map((r) => r.status)).toEqual([200, 200, 200, 200]);
      // A page is about 8 MiB of bodies (JSON-escaped twice: payload and rawBody).
      expect(Math.max(...reads.map((r) => r.bytes))).toBeLessThan(20 * 2 ** 20);
      expect(peak - before).toBeLessThan(300);
      expect(p99).toBeLessThan(2000);
      await service.stop('SIGTERM');
      await place.drop();
    }, 300_000);

    it('stalled bodies wait for one of MAX_BODIES_IN_FLIGHT slots, unread, until the timeouts free them; bad admin parameters are 400', async () => {
      const slots = 20;
      const port = await start({
        MAX_BODIES_IN_FLIGHT: String(slots),
        BODY_LIMIT: '2mb',
        REQUEST_TIMEOUT_MS: '3000',
        HEADERS_TIMEOUT_MS: '2000',
      });
      const before = rssMb(service.child.pid!);
      const stalled: Socket[] = [];
      // Each sends 1 MiB of a 2 MiB body and stalls: read whole, they would hold stalled × 1 MiB.
      const chunk = 'y'.repeat(1024 * 1024);
      for (let i = 0; i < (SHORT ? 150 : 400); i += 1) {
        const socket = connect(port, '127.0.0.1');
        socket.on('error', () => undefined);
        socket.write(
          `POST /webhooks/veriff HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${2 * 1024 * 1024}\r\n\r\n{"a":"${chunk}`,
        );
        stalled.push(socket);
      }
      await new Promise((r) => setTimeout(r, 1500));
      const held = rssMb(service.child.pid!);
      // A genuine delivery waits for a slot (not refused) and gets through once the timeouts free them.
      const t = performance.now();
      const genuine = await post(port, makeDeliveries(1)[0]!, 15_000);
      const bad = await Promise.all([
        admin(service, '/events/%FF', undefined),
        admin(service, '/events/%FF'),
        admin(service, '/events?after=9999999999999999999'),
        admin(service, '/events/a%00b'),
        admin(service, '/events?sessionId=a%00b'),
        admin(service, '/sessions?reference=%00'),
      ]);
      for (const s of stalled) s.destroy();
      const waited = performance.now() - t;
      report(`stalled bodies and bad parameters (${backend.name})`, {
        stalledSent: stalled.length,
        bodySlots: slots,
        rssGrowthMb: Math.round(held - before),
        genuineAnswer: genuine.status,
        genuineWaitedMs: Math.round(waited),
        badParamsAnswered400: bad.filter((r) => r.status === 400).length,
      });
      // Only the slots' bodies are read; a waiting connection holds no more than Node's socket read
      // buffers (measured here: under 256 KiB each). Reading every body would take stalled × 1 MiB.
      const bound = slots * 1 + stalled.length * 0.25 + 40;
      expect(bound).toBeLessThan(stalled.length * 1);
      expect(held - before).toBeLessThan(bound);
      expect(genuine.status).toBe(200);
      expect(waited).toBeLessThan(10_000);
      expect(bad.map((r) => r.status)).toEqual([400, 400, 400, 400, 400, 400]);
      expect(service.lines.some((l) => l.level === 'error' || l.level === 'fatal')).toBe(false);
      await service.stop('SIGTERM');
      await place.drop();
    }, 120_000);
  });
}
