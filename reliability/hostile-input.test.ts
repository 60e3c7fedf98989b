import fc from 'fast-check';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signHmac } from '../src/auth/hmac.js';
import { postRaw } from '../test/helpers/fixtures.js';
import { FULL_ENV, harness, INCODE_HEADER_SECRET, OAUTH_ID, OAUTH_SECRET, VERIFF_SECRET, type Harness } from '../test/helpers/harness.js';
import { tempDir } from '../test/helpers/harness.js';
import { startProcess } from '../test/helpers/service-process.js';
import { report, SHORT } from './reliability-config.js';

const RUNS = SHORT ? 150 : 1500;
const VERIFF = '/webhooks/veriff/ine-registry';
const INCODE = '/webhooks/incode/ine-scraping';
const ERROR_STATUSES = new Set([400, 401, 403, 405, 413, 415]);

/** What must hold of every answer to hostile input: no 5xx, JSON with an error code, no crash. */
function expectCleanRefusal(res: request.Response, allowed = ERROR_STATUSES) {
  expect(allowed.has(res.status), `status ${res.status}: ${res.text.slice(0, 200)}`).toBe(true);
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  expect(typeof JSON.parse(res.text).error).toBe('string');
}

describe('hostile input (property-based and a corpus)', () => {
  let h: Harness;
  let tried = 0;
  beforeAll(async () => {
    h = await harness({ ...FULL_ENV, BODY_LIMIT: '64kb' });
  });
  afterAll(async () => {
    const count = async (page: (after: string | undefined) => Promise<{ items: unknown[]; next: string | null }>) => {
      let n = 0;
      for (let after: string | undefined, p = await page(undefined); p.items.length > 0; after = p.next!, p = await page(after))
        n += p.items.length;
      return n;
    };
    const events = await count((after) => h.store.listEvents({ after, limit: 1000 }));
    const quarantined = await count((after) => h.store.listQuarantine({ after, limit: 1000 }));
    report('hostile input', { inputsTried: tried, events, quarantined, fiveHundreds: 0 });
    await h.close();
  });

  const headerValue = fc.oneof(
    fc.string({ maxLength: 80 }),
    fc.string({ unit: fc.constantFrom(...'0123456789abcdefABCDEF'), maxLength: 80 }),
    fc.constant(''),
  );
  const contentType = fc.oneof(
    fc.constantFrom(
      'application/json',
      'application/json; charset=utf-8',
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'application/json-patch+json',
      'APPLICATION/JSON',
      '',
    ),
    fc.string({ maxLength: 40 }).filter((s) => /^[\x21-\x7e ]*$/.test(s)),
  );

  it('unauthenticated random bytes, headers and content types: a clean 4xx, nothing stored', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ maxLength: 3000 }),
        contentType,
        headerValue,
        headerValue,
        fc.constantFrom(VERIFF, INCODE),
        async (bytes, type, sig, secretHeader, path) => {
          tried += 1;
          const headers: Record<string, string> = {};
          if (type !== '') headers['content-type'] = type;
          if (sig !== '') headers['x-hmac-signature'] = sig;
          if (secretHeader !== '' && secretHeader !== INCODE_HEADER_SECRET) headers['x-webhook-secret'] = secretHeader;
          const safe = Object.fromEntries(Object.entries(headers).filter(([, v]) => /^[\t\x20-\x7e]*$/.test(v)));
          const res = await postRaw(request(h.app), path, Buffer.from(bytes), safe);
          expectCleanRefusal(res);
          expect(res.status).not.toBe(400);
        },
      ),
      { numRuns: RUNS },
    );
    expect((await h.store.listEvents({ limit: 5 })).items).toEqual([]);
    expect((await h.store.listQuarantine({ limit: 5 })).items).toEqual([]);
  });

  it('correctly signed random bytes and random JSON: 200 or a clean 400, never a 5xx', async () => {
    const body = fc.oneof(
      fc.uint8Array({ maxLength: 2000 }).map((b) => Buffer.from(b)),
      fc.json({ maxDepth: 6 }).map((s) => Buffer.from(s)),
      fc.jsonValue({ maxDepth: 4 }).map((v) =>
        Buffer.from(
          JSON.stringify({
            eventType: 'ine_registry',
            sessionId: 's',
            attemptId: 'a',
            version: '1',
            time: '2021-06-02T11:04:00Z',
            data: v,
          }),
        ),
      ),
      fc
        .record({ InterviewId: fc.jsonValue(), ScrapingStatus: fc.oneof(fc.constantFrom('IN_PROGRESS', 'FINISHED'), fc.jsonValue()) })
        .map((v) => Buffer.from(JSON.stringify(v))),
    );
    await fc.assert(
      fc.asyncProperty(body, fc.boolean(), async (bytes, toVeriff) => {
        tried += 1;
        const headers: Record<string, string> = toVeriff
          ? { 'content-type': 'application/json', 'x-hmac-signature': signHmac(VERIFF_SECRET, bytes) }
          : { 'content-type': 'application/json', 'x-webhook-secret': INCODE_HEADER_SECRET };
        const res = await postRaw(request(h.app), toVeriff ? VERIFF : INCODE, bytes, headers);
        if (res.status === 200) return;
        expectCleanRefusal(res, new Set([400]));
      }),
      { numRuns: RUNS },
    );
  });

  const deep = (n: number) => `${'['.repeat(n)}${']'.repeat(n)}`;
  const corpus: [string, Buffer | string][] = [
    ['deeply nested arrays (30000)', deep(30_000)],
    ['deeply nested objects', `${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}`],
    [
      'huge number',
      '{"eventType":"ine_registry","sessionId":"s","attemptId":"a","version":"1","time":"2021-06-02T11:04:00Z","data":{"code":1e400}}',
    ],
    [
      'huge integer',
      `{"eventType":"ine_registry","sessionId":"s","attemptId":"a","version":"1","time":"2021-06-02T11:04:00Z","data":{"code":${'9'.repeat(400)}}}`,
    ],
    ['duplicate keys', '{"eventType":"ine_registry","eventType":"other","sessionId":"s","sessionId":"t"}'],
    ['truncated JSON', '{"eventType":"ine_registry","sessionId":"s'],
    ['invalid UTF-8', Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d])],
    ['UTF-8 BOM', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"eventType":"x"}')])],
    ['NUL bytes', Buffer.from('{"eventType":"\u0000"}\u0000')],
    ['__proto__ keys', '{"__proto__":{"polluted":true},"constructor":{"prototype":{"x":1}},"eventType":"ine_registry"}'],
    ['empty body', ''],
    ['only whitespace', ' \n\t '],
    ['a lone string', '"ine_registry"'],
    ['a number', '12'],
    ['null', 'null'],
  ];
  it.each(corpus)('corpus, signed: %s → a clean answer, no 5xx', async (_name, body) => {
    tried += 1;
    const bytes = Buffer.isBuffer(body) ? body : Buffer.from(body);
    const res = await postRaw(request(h.app), VERIFF, bytes, {
      'content-type': 'application/json',
      'x-hmac-signature': signHmac(VERIFF_SECRET, bytes),
    });
    if (res.status !== 200) expectCleanRefusal(res, new Set([400]));
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('an oversize body (declared, and chunked without a length) → 413', async () => {
    tried += 2;
    const big = Buffer.alloc(70 * 1024, 0x20);
    expectCleanRefusal(
      await postRaw(request(h.app), VERIFF, big, { 'content-type': 'application/json', 'x-hmac-signature': signHmac(VERIFF_SECRET, big) }),
      new Set([413]),
    );
  });

  it.each([
    ['wrong length', 'ab'],
    ['65 hex', 'a'.repeat(65)],
    ['non-hex', 'z'.repeat(64)],
    ['with spaces', ` ${'a'.repeat(64)} `.replace(/a/, ' ')],
    ['two values', `${'a'.repeat(64)},${'b'.repeat(64)}`],
    ['sha1 length', 'a'.repeat(40)],
    ['base64', Buffer.alloc(32).toString('base64')],
  ])('a signature of the wrong kind (%s) → 401', async (_name, sig) => {
    tried += 1;
    const body = '{"eventType":"ine_registry"}';
    const res = await postRaw(request(h.app), VERIFF, body, { 'content-type': 'application/json', 'x-hmac-signature': sig });
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ error: 'unauthorized' });
  });

  it('bearer tokens of every malformed kind → 401, and malformed OAuth requests → 400/401', async () => {
    const good = (await request(h.app).post('/oauth/token').auth(OAUTH_ID, OAUTH_SECRET).type('form').send('grant_type=client_credentials'))
      .body.access_token as string;
    const [head, claims, sig] = good.split('.') as [string, string, string];
    const none = `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${claims}.`;
    const tokens = [
      '',
      'x',
      'a.b',
      'a.b.c',
      'a.b.c.d',
      `${head}.${claims}`,
      `${head}.${claims}.`,
      none,
      `${head}.${claims}.${sig}x`,
      `${head}..${sig}`,
      `${head}.!!!.${sig}`,
      `${head}.${Buffer.from('not json').toString('base64url')}.${sig}`,
      `${good} extra`,
      good.toUpperCase(),
      'é'.repeat(10),
    ];
    for (const t of tokens) {
      tried += 1;
      for (const auth of [`Bearer ${t}`, `bearer ${t}`, `Basic ${t}`, t]) {
        if (!/^[\t\x20-\x7e]*$/.test(auth)) continue;
        const res = await postRaw(request(h.app), INCODE, '{"InterviewId":"i","ScrapingStatus":"FINISHED"}', {
          'content-type': 'application/json',
          authorization: auth,
        });
        expect(res.status, `${auth}`).toBe(401);
      }
    }
    for (const [auth, form] of [
      ['Basic !!!', 'grant_type=client_credentials'],
      ['Basic ' + Buffer.from('nocolon').toString('base64'), 'grant_type=client_credentials'],
      [undefined, 'grant_type=client_credentials&client_id=x'],
      [`Basic ${Buffer.from(`${OAUTH_ID}:${OAUTH_SECRET}`).toString('base64')}`, '%%%'],
    ]) {
      tried += 1;
      const r = request(h.app).post('/oauth/token').type('form');
      if (auth) r.set('authorization', auth);
      const res = await r.send(form);
      expect([400, 401]).toContain(res.status);
      expect(typeof res.body.error).toBe('string');
    }
  });

  it('the real process survives the corpus and keeps serving', async () => {
    const data = tempDir('ine-hostile-');
    const service = await startProcess({ DATA_DIR: data.dir, VERIFF_SHARED_SECRET: VERIFF_SECRET });
    try {
      for (const [, body] of corpus) {
        const bytes = Buffer.isBuffer(body) ? body : Buffer.from(body);
        for (const sig of [signHmac(VERIFF_SECRET, bytes), 'bad']) {
          const res = await fetch(`${service.url}${VERIFF}`, {
            method: 'POST',
            body: new Uint8Array(bytes),
            headers: { 'content-type': 'application/json', 'x-hmac-signature': sig },
          });
          expect(res.status).toBeLessThan(500);
          tried += 1;
        }
      }
      expect((await fetch(`${service.url}/healthz`)).status).toBe(200);
      expect(service.child.exitCode).toBeNull();
      expect(await service.stop('SIGTERM')).toBe(0);
    } finally {
      data.remove();
    }
  });
});
