import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:http';
import path from 'node:path';
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { signHmac } from '../src/auth/hmac.js';
import { StoreRejectedError } from '../src/errors.js';
import type { EventStore } from '../src/store/event-store.js';
import { openSqliteStore } from '../src/store/sqlite-store.js';
import { postRaw, veriffHeaders, veriffPayload } from './helpers/fixtures.js';
import { FULL_ENV, harness, tempDir, VERIFF_SECRET, type Harness } from './helpers/harness.js';
import { canMountTmpfs, mountTmpfs } from './helpers/tmpfs.js';

const VERIFF = '/webhooks/veriff/ine-registry';

describe('HTTP rules shared by every route', () => {
  let h: Harness;
  afterEach(async () => {
    await h?.close();
  });

  it('answers 404 JSON for anything else, and serves no metrics or events on the public port', async () => {
    h = await harness();
    for (const p of ['/', '/nope', '/metrics', '/events', '/quarantine']) {
      const res = await request(h.app).get(p);
      expect(res.status).toBe(404);
      expect(res.body).toEqual({ error: 'not_found' });
    }
  });

  it.each(['get', 'put', 'delete', 'patch'] as const)('answers %s on a webhook route with 405 and Allow: POST, logged', async (method) => {
    h = await harness();
    const res = await request(h.app)[method]('/webhooks/incode/ine-scraping');
    expect(res.status).toBe(405);
    expect(res.headers.allow).toBe('POST');
    expect(res.body).toEqual({ error: 'method_not_allowed' });
    expect(h.logs.requests()).toEqual([expect.objectContaining({ provider: 'incode', outcome: 'method_not_allowed', status: 405 })]);
  });

  it.each([`${VERIFF}/`, `${VERIFF}?from=veriff`, VERIFF.toUpperCase()])(
    'serves %s like the exact path (Express routes what the exact-path shortcut leaves): stored, answered, logged',
    async (spelling) => {
      h = await harness();
      const payload = veriffPayload();
      const body = JSON.stringify(payload);
      const res = await postRaw(request(h.app), spelling, body, veriffHeaders(body, VERIFF_SECRET));
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ status: 'success' });
      expect(res.headers['content-type']).toBe('application/json');
      expect(res.headers['x-request-id']).toBeTruthy();
      expect((await h.store.listEvents({ limit: 5 })).items).toEqual([expect.objectContaining({ sessionId: payload.sessionId })]);
      expect(h.logs.requests()).toEqual([
        expect.objectContaining({ provider: 'veriff', outcome: 'accepted', status: 200, requestId: res.headers['x-request-id'] }),
      ]);
      const wrongMethod = await request(h.app).get(spelling);
      expect(wrongMethod.status).toBe(405);
      expect(wrongMethod.headers.allow).toBe('POST');
    },
  );

  it.each([
    ['text/plain', 200],
    ['text/plain; charset=utf-8', 200],
    ['application/octet-stream', 200],
    ['application/vnd.veriff+json; version=1', 200],
    ['application/x-www-form-urlencoded', 415],
    ['multipart/form-data; boundary=x', 415],
    ['application/xml', 415],
    ['application/json; charset=utf-8', 200],
    ['Application/JSON;charset=UTF-8', 200],
  ])('content type %s answers %i', async (type, status) => {
    h = await harness();
    const body = JSON.stringify(veriffPayload());
    const res = await postRaw(request(h.app), VERIFF, body, veriffHeaders(body, VERIFF_SECRET, { 'content-type': type }));
    expect(res.status).toBe(status);
    if (status === 415) {
      expect(res.body).toEqual({ error: 'unsupported_media_type' });
      expect(h.logs.requests()[0]).toMatchObject({ outcome: 'unsupported_media_type', status: 415 });
      expect((await h.store.listEvents({ limit: 5 })).items).toHaveLength(0);
    }
  });

  it('refuses a compressed body with 415 (vendors sign the bytes they send)', async () => {
    h = await harness();
    const body = JSON.stringify(veriffPayload());
    const res = await postRaw(request(h.app), VERIFF, body, veriffHeaders(body, VERIFF_SECRET, { 'content-encoding': 'gzip' }));
    expect(res.status).toBe(415);
  });

  it('reads a body without a Content-Type: a real delivery is never lost to its type', async () => {
    h = await harness();
    const body = JSON.stringify(veriffPayload());
    const res = await postRaw(request(h.app), VERIFF, body, { 'x-hmac-signature': signHmac(VERIFF_SECRET, body) });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/json');
    expect((await h.store.listEvents({ limit: 5 })).items).toHaveLength(1);
  });

  it('cuts an echoed Content-Type to 100 characters in the log line', async () => {
    h = await harness();
    const res = await postRaw(request(h.app), VERIFF, '{}', { 'content-type': `application/x-${'y'.repeat(15_000)}` });
    expect(res.status).toBe(415);
    const reason = String(h.logs.requests()[0]!.reason);
    expect(reason.length).toBeLessThan(200);
    expect(reason).toContain('y'.repeat(50));
  });

  it('checks the content type before authentication and the size before authentication', async () => {
    h = await harness({ ...FULL_ENV, BODY_LIMIT: '1kb' });
    const noType = await postRaw(request(h.app), VERIFF, '{}', { 'content-type': 'application/xml', 'x-hmac-signature': 'bad' });
    expect(noType.status).toBe(415);
    const big = JSON.stringify(veriffPayload({ padding: 'x'.repeat(2000) }));
    const tooBig = await postRaw(request(h.app), VERIFF, big, { 'content-type': 'application/json', 'x-hmac-signature': 'bad' });
    expect(tooBig.status).toBe(413);
    expect(tooBig.body).toEqual({ error: 'payload_too_large', limit: 1024 });
    expect(h.logs.requests().map((l) => l.outcome)).toEqual(['unsupported_media_type', 'too_large']);
  });

  it('answers 413 for a chunked body that grows past BODY_LIMIT without a Content-Length', async () => {
    h = await harness({ ...FULL_ENV, BODY_LIMIT: '1kb' });
    const server = createServer(h.app).listen(0);
    await once(server, 'listening');
    try {
      const port = (server.address() as { port: number }).port;
      const { request: httpRequest } = await import('node:http');
      const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = httpRequest(
          { port, method: 'POST', path: VERIFF, headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' } },
          (res) => {
            let body = '';
            res.on('data', (c) => (body += c));
            res.on('end', () => resolve({ status: res.statusCode!, body }));
          },
        );
        req.on('error', reject);
        for (let i = 0; i < 4; i += 1) req.write('x'.repeat(512));
        req.end();
      });
      expect(answer.status).toBe(413);
      expect(JSON.parse(answer.body).error).toBe('payload_too_large');
    } finally {
      server.close();
    }
  });

  it('accepts a body of exactly BODY_LIMIT bytes', async () => {
    h = await harness({ ...FULL_ENV, BODY_LIMIT: '1kb' });
    const base = JSON.stringify(veriffPayload({ pad: '' }));
    const payload = JSON.parse(base);
    payload.pad = 'x'.repeat(1024 - Buffer.byteLength(base));
    const body = JSON.stringify(payload);
    expect(Buffer.byteLength(body)).toBe(1024);
    const res = await postRaw(request(h.app), VERIFF, body, veriffHeaders(body, VERIFF_SECRET));
    expect(res.status).toBe(200);
  });

  it('refuses addresses outside VERIFF_ALLOWED_IPS with 403, trusting X-Forwarded-For only per TRUST_PROXY', async () => {
    h = await harness({ ...FULL_ENV, VERIFF_ALLOWED_IPS: '100.20.120.34,3.251.215.160/27', TRUST_PROXY: 'loopback' });
    const body = JSON.stringify(veriffPayload());
    const from = (ip: string) => postRaw(request(h.app), VERIFF, body, veriffHeaders(body, VERIFF_SECRET, { 'x-forwarded-for': ip }));
    const refused = await from('8.8.8.8');
    expect(refused.status).toBe(403);
    expect(refused.body).toEqual({ error: 'forbidden' });
    expect(h.logs.requests()[0]).toMatchObject({ outcome: 'forbidden', reason: 'source address 8.8.8.8 is not in VERIFF_ALLOWED_IPS' });
    expect((await from('3.251.215.170')).status).toBe(200);
    expect((await from('100.20.120.34')).status).toBe(200);
    await h.close();
    h = await harness({ ...FULL_ENV, VERIFF_ALLOWED_IPS: '100.20.120.34' });
    // Without TRUST_PROXY the header is ignored: the socket address (loopback) is the client.
    const spoofed = await postRaw(request(h.app), VERIFF, body, veriffHeaders(body, VERIFF_SECRET, { 'x-forwarded-for': '100.20.120.34' }));
    expect(spoofed.status).toBe(403);
  });

  it('GET /healthz is 200 and GET /readyz reports the store and each route', async () => {
    h = await harness({ VERIFF_SHARED_SECRET: 'x' });
    expect((await request(h.app).get('/healthz')).body).toEqual({ status: 'ok' });
    const ready = await request(h.app).get('/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body).toEqual({
      status: 'ok',
      checks: { store: 'ok' },
      routes: {
        veriff: { configured: true },
        incode: { configured: false },
      },
    });
  });

  it('/readyz answers a crowd of callers from one shared probe, and its public body names no error', async () => {
    h = await harness();
    const answers = await Promise.all(Array.from({ length: 50 }, () => request(h.app).get('/readyz')));
    expect(answers.every((r) => r.status === 200 && r.body.checks.store === 'ok')).toBe(true);
  });

  it('answers 503 store_unavailable (never 200) and /readyz 503 when the store cannot commit', async () => {
    h = await harness();
    await h.store.close();
    const body = JSON.stringify(veriffPayload());
    const res = await postRaw(request(h.app), VERIFF, body, veriffHeaders(body, VERIFF_SECRET));
    expect(res.status).toBe(503);
    expect(res.body).toEqual({ error: 'store_unavailable' });
    expect(res.headers['retry-after']).toBe('30');
    expect(h.logs.requests()[0]).toMatchObject({
      outcome: 'store_unavailable',
      status: 503,
      level: 50,
      sessionId: JSON.parse(body).sessionId,
    });
    const ready = await request(h.app).get('/readyz');
    expect(ready.status).toBe(503);
    expect(ready.body).toEqual({ status: 'unavailable', checks: { store: 'unavailable' }, routes: expect.any(Object) });
    expect(h.logs.lines.some((l) => l.readiness === 'unavailable' && String(l.reason).includes('closed'))).toBe(true);
  });

  it('answers 503 when the quarantine cannot be written either', async () => {
    h = await harness();
    await h.store.close();
    const res = await postRaw(request(h.app), VERIFF, 'not json', veriffHeaders('not json', VERIFF_SECRET));
    expect(res.status).toBe(503);
    expect(res.body).toEqual({ error: 'store_unavailable' });
  });
});

/** A real full disk: a 2 MiB tmpfs, filled until SQLite reports SQLITE_FULL. Needs root (CI and this machine are root). */
describe('a delivery the database refuses for its data', () => {
  it('is quarantined and answered 400 invalid_payload, never 503 for ever', async () => {
    const inner = await harness();
    const store: EventStore = {
      ...inner.store,
      append: (e) =>
        e.sessionId === 'refused'
          ? Promise.reject(new StoreRejectedError('postgres: 54001: stack depth limit exceeded'))
          : inner.store.append(e),
    };
    const h = await harness(FULL_ENV, { store });
    try {
      const body = JSON.stringify(veriffPayload({ sessionId: 'refused' }));
      for (const delivery of [1, 2]) {
        const res = await postRaw(request(h.app), VERIFF, body, veriffHeaders(body, VERIFF_SECRET));
        expect(res.status).toBe(400);
        expect(res.body).toEqual({
          error: 'invalid_payload',
          issues: [{ path: '', message: 'the database cannot store it (postgres: 54001: stack depth limit exceeded)' }],
        });
        expect((await inner.store.listQuarantine({ limit: 5 })).items).toMatchObject([
          { reason: 'invalid_payload', rawBody: body, deliveries: delivery },
        ]);
      }
      expect(h.logs.requests().map((l) => l.outcome)).toEqual(['invalid_payload', 'invalid_payload']);
    } finally {
      await h.close();
      await inner.close();
    }
  });
});

describe('a full disk', () => {
  const canMount = canMountTmpfs('full-disk test');

  it.skipIf(!canMount)('gives 503 (never 200) while full, shows on /readyz, and recovers without a restart', async () => {
    const disk = mountTmpfs('2m');
    const mountPoint = disk.dir;
    const store = await openSqliteStore({ dataDir: mountPoint, batchMax: 64, clock: { now: () => Date.now() } });
    const h = await harness(FULL_ENV, { store });
    const filler = path.join(mountPoint, 'filler');
    try {
      const send = (p: unknown) => {
        const body = JSON.stringify(p);
        return postRaw(request(h.app), VERIFF, body, veriffHeaders(body, VERIFF_SECRET));
      };
      expect((await send(veriffPayload())).status).toBe(200);
      execFileSync('sh', ['-c', `dd if=/dev/zero of=${filler} bs=64k 2>/dev/null || true`]);
      const acknowledged: string[] = [];
      let refused = 0;
      for (let i = 0; i < 200 && refused < 3; i += 1) {
        const p = veriffPayload({ pad: 'y'.repeat(8000) });
        const res = await send(p);
        if (res.status === 200) acknowledged.push(p.sessionId as string);
        else {
          expect(res.status).toBe(503);
          expect(res.body).toEqual({ error: 'store_unavailable' });
          refused += 1;
        }
      }
      expect(refused).toBeGreaterThan(0);
      expect(h.logs.requests().some((l) => l.outcome === 'store_unavailable' && String(l.reason).includes('SQLITE_FULL'))).toBe(true);
      const stored = (await store.listEvents({ limit: 1000 })).items.map((e) => e.sessionId);
      for (const id of acknowledged) expect(stored).toContain(id);
      // Readiness follows the latest commit, not a small probe row that may still fit.
      expect((await request(h.app).get('/readyz')).status).toBe(503);

      execFileSync('rm', ['-f', filler]);
      const after = veriffPayload();
      expect((await send(after)).status).toBe(200);
      expect((await request(h.app).get('/readyz')).status).toBe(200);
      expect((await store.listEvents({ sessionId: after.sessionId as string, limit: 5 })).items).toHaveLength(1);
    } finally {
      await h.close();
      disk.remove();
    }
  });
});

describe('an unexpected failure', () => {
  it('answers 500 {"error":"internal_error"}, logged as internal_error (not as accepted), without the error text in the body', async () => {
    const tmp = tempDir();
    const real = await openSqliteStore({ dataDir: tmp.dir, batchMax: 8, clock: { now: () => Date.now() } });
    const h = await harness(FULL_ENV, { store: { ...real, append: () => Promise.reject(new TypeError('something internal broke')) } });
    try {
      const body = JSON.stringify(veriffPayload());
      const res = await postRaw(request(h.app), VERIFF, body, veriffHeaders(body, VERIFF_SECRET));
      expect(res.status).toBe(500);
      expect(res.body).toEqual({ error: 'internal_error' });
      expect(h.logs.requests()).toEqual([
        expect.objectContaining({ outcome: 'internal_error', status: 500, reason: 'TypeError: something internal broke' }),
      ]);
    } finally {
      await h.close();
      tmp.remove();
    }
  });
});
