import { readFileSync } from 'node:fs';
import { waitFor } from './helpers/wait-for.js';
import { connect, createServer, type AddressInfo } from 'node:net';
import path from 'node:path';
import { request as httpRequest } from 'node:http';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { signHmac } from '../src/auth/hmac.js';
import { sampleIncodeIneScraping, sampleVeriffIneRegistry } from '../src/delivery/samples.js';
import { sendIncode, sendVeriff } from '../src/delivery/send-webhook.js';
import { tempDir } from './helpers/harness.js';
import { createSchema, postgresAvailable } from './helpers/postgres.js';
import { runToExit, startProcess, type ServiceProcess } from './helpers/service-process.js';

const SECRET = 'process-test-veriff-secret';
const ADMIN = 'process-test-admin-token-0123';
const OAUTH = { INCODE_OAUTH_CLIENT_ID: 'incode', INCODE_OAUTH_CLIENT_SECRET: 'process-test-oauth-secret' };

describe('the built service as a real process (node dist/main.js)', () => {
  let data: ReturnType<typeof tempDir>;
  let service: ServiceProcess | undefined;
  const env = () => ({ DATA_DIR: data.dir, VERIFF_SHARED_SECRET: SECRET, ADMIN_TOKEN: ADMIN, ...OAUTH });
  beforeEach(() => {
    data = tempDir('ine-process-');
  });
  afterEach(async () => {
    if (service && service.child.exitCode === null) await service.stop('SIGKILL');
    service = undefined;
    data.remove();
  });

  const events = async (s: ServiceProcess) =>
    (
      (await (await fetch(`${s.adminUrl}/events`, { headers: { authorization: `Bearer ${ADMIN}` } })).json()) as {
        events: { sessionId: string; deliveries: number; provider: string }[];
      }
    ).events;

  it('serves over HTTP, stops on SIGTERM with exit 0, and keeps everything across a restart on the same data', async () => {
    service = await startProcess(env());
    const veriff = sampleVeriffIneRegistry();
    const first = await sendVeriff(service.url, SECRET, veriff);
    expect(first).toEqual({ status: 200, body: '{"status":"success"}' });
    const incode = await sendIncode(
      service.url,
      { kind: 'oauth', clientId: 'incode', clientSecret: OAUTH.INCODE_OAUTH_CLIENT_SECRET },
      sampleIncodeIneScraping('FINISHED'),
    );
    expect(incode).toEqual({ status: 200, body: '{"success":"true"}' });
    expect((await fetch(`${service.url}/readyz`)).status).toBe(200);

    expect(await service.stop('SIGTERM')).toBe(0);
    expect(service.lines.map((l) => l.msg)).toEqual(
      expect.arrayContaining(['listening', 'veriff webhook accepted', 'oauth token issued', 'incode webhook accepted', 'stopped']),
    );
    // The listening line names the release and the store.
    const version = JSON.parse(readFileSync(path.join(import.meta.dirname, '..', 'package.json'), 'utf8')).version;
    expect(service.lines.find((l) => l.msg === 'listening')).toMatchObject({ version, store: 'sqlite', dataDir: data.dir });
    expect(service.lines.filter((l) => 'notJson' in l)).toEqual([]);
    const text = service.stdout.join('\n');
    for (const secret of [SECRET, ADMIN, OAUTH.INCODE_OAUTH_CLIENT_SECRET, signHmac(SECRET, JSON.stringify(veriff))])
      expect(text).not.toContain(secret);

    service = await startProcess(env());
    const again = await sendVeriff(service.url, SECRET, { ...veriff, time: new Date().toISOString() });
    expect(again.status).toBe(200);
    const stored = await events(service);
    expect(stored.map((e) => [e.provider, e.deliveries])).toEqual([
      ['veriff', 2],
      ['incode', 1],
    ]);
    // A log line is written when its response closes and reaches us through a pipe: read them after exit.
    expect(await service.stop('SIGTERM')).toBe(0);
    expect(service.lines.find((l) => l.outcome === 'duplicate')).toBeDefined();
  });

  it('finishes an in-flight request after SIGTERM (commit, then 200), then exits 0', async () => {
    service = await startProcess(env());
    const payload = sampleVeriffIneRegistry();
    const body = JSON.stringify(payload);
    const port = Number(new URL(service.url).port);
    const answer = new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = httpRequest(
        {
          port,
          host: '127.0.0.1',
          method: 'POST',
          path: '/webhooks/veriff/ine-registry',
          headers: {
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
            'x-hmac-signature': signHmac(SECRET, body),
          },
        },
        (res) => {
          let text = '';
          res.on('data', (c) => (text += c));
          res.on('end', () => resolve({ status: res.statusCode!, body: text }));
        },
      );
      req.on('error', reject);
      req.write(body.slice(0, 20));
      setTimeout(() => {
        service!.child.kill('SIGTERM');
        setTimeout(() => req.end(body.slice(20)), 300);
      }, 100);
    });
    expect(await answer).toEqual({ status: 200, body: '{"status":"success"}' });
    expect(await service.exited).toBe(0);
    service = await startProcess(env());
    expect((await events(service)).map((e) => e.sessionId)).toEqual([payload.sessionId]);
  });

  it('cuts off a client that stalls in its headers (HEADERS_TIMEOUT_MS) while a good sender is served', async () => {
    service = await startProcess({ ...env(), HEADERS_TIMEOUT_MS: '1000', REQUEST_TIMEOUT_MS: '2000' });
    const port = Number(new URL(service.url).port);
    const started = Date.now();
    const closed = new Promise<{ ms: number; data: string }>((resolve) => {
      const socket = connect(port, '127.0.0.1', () => socket.write('POST /webhooks/veriff/ine-registry HTTP/1.1\r\nHost: x\r\n'));
      let data = '';
      socket.on('data', (c) => (data += c));
      socket.on('close', () => resolve({ ms: Date.now() - started, data }));
    });
    expect((await sendVeriff(service.url, SECRET, sampleVeriffIneRegistry())).status).toBe(200);
    const cut = await closed;
    expect(cut.ms).toBeLessThan(5000);
    expect(cut.data === '' || cut.data.startsWith('HTTP/1.1 408')).toBe(true);
  });

  it('keeps at most MAX_CONNECTIONS open (an idle one makes room, else the newcomer is closed), counted; a freed slot serves again', async () => {
    service = await startProcess({ ...env(), MAX_CONNECTIONS: '10' });
    const port = Number(new URL(service.url).port);
    // Twelve clients that send half a body and stall: each would hold a body in flight.
    const stalled = await Promise.all(
      Array.from(
        { length: 12 },
        () =>
          new Promise<{ socket: ReturnType<typeof connect>; closed: Promise<void> }>((resolve) => {
            const socket = connect(port, '127.0.0.1', () => {
              socket.write(
                'POST /webhooks/veriff HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"a":',
              );
              resolve({ socket, closed: new Promise((r) => socket.on('close', () => r())) });
            });
            socket.on('error', () => undefined);
          }),
      ),
    );
    // The two closed by the service are the signal: wait for them, then check the rest stay open.
    await waitFor(
      'two connections closed by the service',
      () => stalled.filter((s) => s.socket.destroyed || s.socket.readyState !== 'open').length >= 2,
    );
    const open = stalled.filter((s) => !s.socket.destroyed && s.socket.readyState === 'open');
    expect(open).toHaveLength(10);
    const metrics = await (await fetch(`${service.adminUrl}/metrics`)).text();
    // Two had to go: newcomers closed on arrival, or (when they came before the first bytes of the
    // others were read) idle ones closed to make room.
    const count = (name: string) => Number(new RegExp(`^ine_webhooks_connections_${name}_total (\\d+)$`, 'm').exec(metrics)?.[1]);
    expect(count('dropped') + count('evicted')).toBe(2);
    for (const s of stalled) s.socket.destroy();
    await Promise.all(stalled.map((s) => s.closed));
    expect((await sendVeriff(service.url, SECRET, sampleVeriffIneRegistry())).status).toBe(200);
  });

  it('exits 1 listing every configuration problem at once, with no stack trace', async () => {
    const { code, stderr, stdout } = await runToExit({ DATA_DIR: data.dir, PORT: 'x', BODY_LIMIT: 'huge', INCODE_HEADER_NAME: 'x-secret' });
    expect(code).toBe(1);
    expect(stderr).toContain('PORT:');
    expect(stderr).toContain('BODY_LIMIT:');
    expect(stderr).not.toMatch(/\n\s+at /);
    expect(stdout).toBe('');
  });

  it('answers 503 not_configured on both routes when started with no secrets, while staying ready', async () => {
    service = await startProcess({ DATA_DIR: data.dir });
    const res = await fetch(`${service.url}/webhooks/veriff/ine-registry`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(res.status).toBe(503);
    const ready = await fetch(`${service.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(((await ready.json()) as { routes: unknown }).routes).toEqual({
      veriff: { configured: false },
      incode: { configured: false },
    });
    // Said once at start, at warn level, for each closed route, with what to set.
    const warnings = service.lines.filter((l) => l.level === 'warn' && String(l.msg).includes('route is closed'));
    expect(warnings.map((l) => l.msg)).toEqual([
      'veriff route is closed (503 not_configured): set VERIFF_SHARED_SECRET',
      'incode route is closed (503 not_configured): set INCODE_HEADER_NAME / INCODE_HEADER_SECRET / INCODE_OAUTH_CLIENT_ID / INCODE_OAUTH_CLIENT_SECRET / INCODE_HMAC_SECRET',
    ]);
  });

  it.each(['PORT', 'ADMIN_PORT'] as const)('exits 1 naming %s when its port is in use, with no stack trace', async (setting) => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = String((taken.address() as AddressInfo).port);
    try {
      const { code, stderr } = await runToExit({
        DATA_DIR: data.dir,
        HOST: '127.0.0.1',
        ADMIN_HOST: '127.0.0.1',
        PORT: '0',
        ADMIN_PORT: '0',
        [setting]: port,
      });
      expect(code).toBe(1);
      expect(stderr).toContain(`ine-webhooks: ${setting}=${port}: address already in use on 127.0.0.1; set ${setting} to a free port`);
      expect(stderr).not.toMatch(/\n\s+at /);
    } finally {
      taken.close();
    }
  });

  it.skipIf(!postgresAvailable)('names the PostgreSQL host and database in the listening line, never the password', async () => {
    const schema = await createSchema();
    try {
      const url = new URL(schema.url);
      url.password = 'not-logged-secret';
      service = await startProcess({ DATABASE_URL: url.href });
      const line = service.lines.find((l) => l.msg === 'listening');
      expect(line).toMatchObject({
        store: 'postgres',
        host: url.port ? `${url.hostname}:${url.port}` : url.hostname,
        database: url.pathname.slice(1),
      });
      expect(JSON.stringify(service.lines)).not.toContain('not-logged-secret');
    } finally {
      await service?.stop('SIGTERM');
      service = undefined;
      await schema.drop();
    }
  });
});
