import { connect, type Socket } from 'node:net';
import { request } from 'node:http';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../test/helpers/harness.js';
import { startProcess } from '../test/helpers/service-process.js';
import { report, SHORT } from './reliability-config.js';
import { INCODE_HEADER, makeDeliveries, post, SERVICE_SECRETS } from './vendor-sender.js';

const IDLE = SHORT ? 500 : 3000;
const TRICKLERS = SHORT ? 30 : 100;

function openSocket(port: number, onOpen?: (s: Socket) => void): Promise<{ socket: Socket; closedAt: Promise<number> }> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: '127.0.0.1' }, () => {
      // Read what the server sends (a 408), or the socket never sees the server close it.
      socket.resume();
      onOpen?.(socket);
      resolve({ socket, closedAt: new Promise((r) => socket.on('close', () => r(Date.now()))) });
    });
    socket.on('error', () => undefined);
    socket.once('error', reject);
  });
}

describe('slow and abusive clients', () => {
  it('idle, trickling and never-finishing connections are cut off by the timeouts; a good sender is unaffected', async () => {
    const data = tempDir('ine-abuse-');
    const service = await startProcess({
      DATA_DIR: data.dir,
      ...SERVICE_SECRETS,
      HEADERS_TIMEOUT_MS: '2000',
      REQUEST_TIMEOUT_MS: '4000',
      KEEP_ALIVE_TIMEOUT_MS: '2000',
    });
    const port = Number(new URL(service.url).port);
    const timers: NodeJS.Timeout[] = [];
    try {
      const started = Date.now();
      // Opened in paced bursts: thousands of connects in one burst overflow the kernel's accept
      // queue (backlog 511), leaving client sockets the server never saw (a test artifact).
      const idle: Awaited<ReturnType<typeof openSocket>>[] = [];
      for (let i = 0; i < IDLE; i += 250) {
        idle.push(...(await Promise.all(Array.from({ length: Math.min(250, IDLE - i) }, () => openSocket(port)))));
        await new Promise((r) => setTimeout(r, 50));
      }
      const headerTricklers = await Promise.all(
        Array.from({ length: TRICKLERS }, () =>
          openSocket(port, (s) => {
            const text = `POST /webhooks/veriff/ine-registry HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n${'X-Pad: y\r\n'.repeat(200)}`;
            let i = 0;
            timers.push(
              setInterval(() => {
                if (!s.destroyed && i < text.length) s.write(text[i++]!);
              }, 100),
            );
          }),
        ),
      );
      const bodyTricklers = await Promise.all(
        Array.from({ length: TRICKLERS }, () =>
          openSocket(port, (s) => {
            s.write(
              'POST /webhooks/veriff/ine-registry HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\nX-Hmac-Signature: ' +
                'a'.repeat(64) +
                '\r\n\r\n',
            );
            timers.push(
              setInterval(() => {
                if (!s.destroyed) s.write('{');
              }, 100),
            );
          }),
        ),
      );

      // Meanwhile a vendor delivers as usual.
      const good = makeDeliveries(SHORT ? 100 : 300);
      const latencies: number[] = [];
      for (const d of good) {
        const t = Date.now();
        const answer = await post(port, d);
        latencies.push(Date.now() - t);
        expect(answer.status).toBe(200);
      }
      latencies.sort((a, b) => a - b);
      const p99 = latencies[Math.floor(latencies.length * 0.99)]!;

      const idleClosed = await Promise.all(idle.map((c) => c.closedAt));
      const headerClosed = await Promise.all(headerTricklers.map((c) => c.closedAt));
      const bodyClosed = await Promise.all(bodyTricklers.map((c) => c.closedAt));
      const slowest = Math.max(...idleClosed, ...headerClosed, ...bodyClosed) - started;
      report('slow and abusive clients', {
        idleConnections: IDLE,
        headerTricklers: TRICKLERS,
        bodyTricklers: TRICKLERS,
        goodDeliveries: good.length,
        goodP99Ms: p99,
        allCutOffWithinMs: slowest,
      });
      expect(p99).toBeLessThan(1000);
      // Headers within 2 s, whole request within 4 s; the server checks about every second.
      expect(slowest).toBeLessThan(12_000);
      expect(service.child.exitCode).toBeNull();
      expect(await service.stop('SIGTERM')).toBe(0);
    } finally {
      timers.forEach(clearInterval);
      data.remove();
    }
  });

  it('a flood of forged requests from the one address everyone shares (a load balancer) never refuses or delays a genuine delivery', async () => {
    const data = tempDir('ine-lockout-');
    const oauth = { id: 'reliability-client', secret: 'reliability+oauth/secret%2B=' };
    const service = await startProcess({
      DATA_DIR: data.dir,
      ...SERVICE_SECRETS,
      INCODE_OAUTH_CLIENT_ID: oauth.id,
      INCODE_OAUTH_CLIENT_SECRET: oauth.secret,
      HOST: '0.0.0.0',
    });
    const port = Number(new URL(service.url).port);
    // Every request from one source address, as behind a load balancer with TRUST_PROXY=false.
    const from = (path: string, body: string, headers: Record<string, string>) =>
      new Promise<number>((resolve, reject) => {
        const req = request(
          {
            host: '127.0.0.1',
            port,
            localAddress: '127.0.0.2',
            method: 'POST',
            path,
            agent: false,
            headers: { ...headers, 'content-length': Buffer.byteLength(body) },
          },
          (res) => {
            res.resume();
            res.on('end', () => resolve(res.statusCode!));
          },
        );
        req.on('error', reject);
        req.end(body);
      });
    const forgedCount = SHORT ? 300 : 2000;
    try {
      const forged: number[] = [];
      const genuine: number[] = [];
      const good = makeDeliveries(SHORT ? 40 : 200);
      await Promise.all([
        (async () => {
          for (let i = 0; i < forgedCount; i += 1) {
            const veriff = i % 3 !== 0;
            forged.push(
              await from(
                veriff ? '/webhooks/veriff' : '/webhooks/incode/ine-scraping',
                '{"eventType":"ine_registry","sessionId":"x"}',
                veriff
                  ? { 'content-type': 'application/json', 'x-hmac-signature': 'f'.repeat(64) }
                  : { 'content-type': 'application/json', [INCODE_HEADER.name]: 'guess' },
              ),
            );
          }
        })(),
        (async () => {
          for (const d of good) {
            genuine.push(await from(d.path, d.body, d.headers));
            // Incode's token request, raw Basic credentials with + / % = in the secret, as Incode sends them.
            const basic = Buffer.from(`${oauth.id}:${oauth.secret}`).toString('base64');
            genuine.push(
              await from('/oauth/token', 'grant_type=client_credentials', {
                'content-type': 'application/x-www-form-urlencoded',
                authorization: `Basic ${basic}`,
              }),
            );
          }
        })(),
      ]);
      report('lock-out attempt from a shared address', {
        forgedSent: forged.length,
        forgedAnswered401: forged.filter((s) => s === 401).length,
        genuineSent: genuine.length,
        genuineAnswered200: genuine.filter((s) => s === 200).length,
      });
      expect(forged.every((s) => s === 401)).toBe(true);
      expect(genuine.every((s) => s === 200)).toBe(true);
      expect(await service.stop('SIGTERM')).toBe(0);
      expect(service.lines.filter((l) => l.outcome === 'accepted')).toHaveLength(good.length);
    } finally {
      data.remove();
    }
  });
});
