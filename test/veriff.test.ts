import request from 'supertest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { signHmac } from '../src/auth/hmac.js';
import { postRaw, veriffHeaders, veriffPayload } from './helpers/fixtures.js';
import { FULL_ENV, harness, VERIFF_SECRET, type Harness } from './helpers/harness.js';

const PATH = '/webhooks/veriff/ine-registry';

describe('Veriff ine_registry webhook', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await harness();
  });
  afterEach(async () => {
    await h.close();
  });

  const post = (body: string | Buffer, headers: Record<string, string>) => postRaw(request(h.app), PATH, body, headers);
  const sendSigned = (payload: unknown, secret = VERIFF_SECRET, extra: Record<string, string> = {}) => {
    const body = JSON.stringify(payload);
    return post(body, veriffHeaders(body, secret, extra));
  };
  const allEvents = async () => (await h.store.listEvents({ limit: 1000 })).items;

  it('accepts a signed seed payload, stores every field, answers {"status":"success"} and logs one line', async () => {
    const payload = veriffPayload({ sessionId: 'f04bdb47-d3be-4b28-b028-a652feb060b5' });
    const body = JSON.stringify(payload);
    const res = await post(body, veriffHeaders(body, VERIFF_SECRET, { 'x-auth-client': 'api-key-123' }));
    expect(res.status).toBe(200);
    expect(res.text).toBe('{"status":"success"}');

    const [event, ...rest] = await allEvents();
    expect(rest).toHaveLength(0);
    expect(event).toMatchObject({
      provider: 'veriff',
      type: 'ine_registry',
      sessionId: 'f04bdb47-d3be-4b28-b028-a652feb060b5',
      reference: '1234567812345678',
      status: 'valid',
      integration: 'api-key-123',
      deliveries: 1,
      receivedAt: '2026-11-22T10:00:00.000Z',
      lastDeliveredAt: '2026-11-22T10:00:00.000Z',
      payload,
      rawBody: body,
    });
    expect(event!.id).toMatch(/^[0-9a-f]{64}$/);

    const lines = h.logs.requests();
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      provider: 'veriff',
      outcome: 'accepted',
      status: 200,
      sessionId: event!.sessionId,
      eventId: event!.id,
    });
    expect(lines[0]!.durationMs).toBeTypeOf('number');
    expect(lines[0]!.requestId).toBe(res.headers['x-request-id']);
    expect(h.logs.text()).not.toContain('1234567812345678');
  });

  it('verifies the exact bytes: non-ASCII text, odd whitespace and key order survive untouched', async () => {
    const body =
      '{ "data" : {"details":{"documentState":"El documento es válido. 🇲🇽","active":true},"code":200,"status":"válida"},\n' +
      '"time":"2021-06-02T11:04:00+01:00","version":"1.0.0","attemptId":"a","sessionId":"s-ü","eventType":"ine_registry"}';
    const res = await post(body, veriffHeaders(body, VERIFF_SECRET));
    expect(res.status).toBe(200);
    const [event] = await allEvents();
    expect(event!.rawBody).toBe(body);
    expect(signHmac(VERIFF_SECRET, event!.rawBody)).toBe(veriffHeaders(body, VERIFF_SECRET)['x-hmac-signature']);
  });

  it('accepts uppercase hex and the vrf-hmac-signature header', async () => {
    const body = JSON.stringify(veriffPayload());
    const upper = await post(body, { 'content-type': 'application/json', 'x-hmac-signature': signHmac(VERIFF_SECRET, body).toUpperCase() });
    expect(upper.status).toBe(200);
    const other = JSON.stringify(veriffPayload());
    const vrf = await post(other, { 'content-type': 'application/json', 'vrf-hmac-signature': signHmac(VERIFF_SECRET, other) });
    expect(vrf.status).toBe(200);
    expect(await allEvents()).toHaveLength(2);
  });

  it('accepts any secret of a comma-separated list (several integrations, rotation)', async () => {
    await h.close();
    h = await harness({ ...FULL_ENV, VERIFF_SHARED_SECRET: 'old-secret-aaaa, new-secret-bbbb' });
    expect((await sendSigned(veriffPayload(), 'old-secret-aaaa')).status).toBe(200);
    expect((await sendSigned(veriffPayload(), 'new-secret-bbbb')).status).toBe(200);
    expect((await sendSigned(veriffPayload(), 'other-secret-cc')).status).toBe(401);
    expect(await allEvents()).toHaveLength(2);
  });

  it.each([
    [
      'a wrong secret',
      (b: string) => ({ 'x-hmac-signature': signHmac('not-the-secret', b) }),
      'signature mismatch for integration api-key-9',
    ],
    ['no signature header', () => ({}), 'missing signature header for integration api-key-9'],
    [
      'a signature of the wrong length',
      (b: string) => ({ 'x-hmac-signature': signHmac(VERIFF_SECRET, b).slice(0, 40) }),
      'malformed signature',
    ],
    ['a signature of the body re-encoded', () => ({ 'x-hmac-signature': signHmac(VERIFF_SECRET, '{}') }), 'signature mismatch'],
  ])('refuses %s with 401 {"error":"unauthorized"}, stores nothing, and logs why', async (_name, headers, reason) => {
    const body = JSON.stringify(veriffPayload());
    const res = await post(body, { 'content-type': 'application/json', 'x-auth-client': 'api-key-9', ...headers(body) });
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ error: 'unauthorized' });
    expect(await allEvents()).toHaveLength(0);
    expect((await h.store.listQuarantine({ limit: 10 })).items).toHaveLength(0);
    const [line] = h.logs.requests();
    expect(line).toMatchObject({ provider: 'veriff', outcome: 'unauthorized', status: 401 });
    expect(String(line!.reason)).toContain(reason);
  });

  it('authenticates before parsing: an unsigned non-JSON body is 401, not 400, and not quarantined', async () => {
    const res = await post('not json', { 'content-type': 'application/json' });
    expect(res.status).toBe(401);
    expect((await h.store.listQuarantine({ limit: 10 })).items).toHaveLength(0);
  });

  it('stores a redelivery once and counts it, with the same success answer', async () => {
    const payload = veriffPayload();
    const first = await sendSigned(payload);
    h.clock.advance(3_600_000);
    const second = await sendSigned(payload);
    expect([first.status, second.status]).toEqual([200, 200]);
    expect(second.text).toBe('{"status":"success"}');
    const events = await allEvents();
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ deliveries: 2, receivedAt: '2026-11-22T10:00:00.000Z', lastDeliveredAt: '2026-11-22T11:00:00.000Z' });
    expect(h.logs.requests().map((l) => l.outcome)).toEqual(['accepted', 'duplicate']);
    expect(h.logs.requests()[1]!.eventId).toBe(events[0]!.id);
  });

  it('treats a retry that differs only in time, or in key order, as the same event', async () => {
    const payload = veriffPayload();
    await sendSigned(payload);
    await sendSigned({ ...payload, time: '2021-06-02T12:04:00.287Z' });
    const data = payload.data as Record<string, unknown>;
    await sendSigned({ ...payload, data: { details: data.details, code: data.code, status: data.status } });
    const events = await allEvents();
    expect(events).toHaveLength(1);
    expect(events[0]!.deliveries).toBe(3);
  });

  it('stores a different result for the same session and attempt as a new event', async () => {
    const payload = veriffPayload();
    await sendSigned(payload);
    await sendSigned({ ...payload, data: { status: 'La credencial no es válida', code: 200, details: { active: false } } });
    const events = await allEvents();
    expect(events.map((e) => e.status)).toEqual(['valid', 'invalid']);
  });

  it('keeps unknown fields, takes opaque non-UUID ids, and allows data without details', async () => {
    const payload = veriffPayload({
      sessionId: 'sess_01',
      attemptId: '7',
      endUserId: null,
      vendorData: null,
      newField: { x: 1 },
      data: { status: null, extra: true },
    });
    const res = await sendSigned(payload);
    expect(res.status).toBe(200);
    const [event] = await allEvents();
    expect(event).toMatchObject({ sessionId: 'sess_01', reference: null, status: null, payload });
  });

  it.each([
    ['an empty sessionId', { sessionId: '' }],
    ['no sessionId', { sessionId: undefined }],
    ['a numeric sessionId', { sessionId: 12 }],
  ])(
    'answers 400 invalid_payload for %s (the identifier it is known by), naming the path, and quarantines it',
    async (_name, overrides) => {
      const body = JSON.stringify(veriffPayload(overrides));
      const res = await post(body, veriffHeaders(body, VERIFF_SECRET));
      expect(res.status).toBe(400);
      expect(res.body.error).toBe('invalid_payload');
      expect(res.body.issues).toEqual([{ path: 'sessionId', message: 'must be a non-empty string' }]);
      expect(await allEvents()).toHaveLength(0);
      const { items } = await h.store.listQuarantine({ limit: 10 });
      expect(items).toHaveLength(1);
      expect(items[0]).toMatchObject({ provider: 'veriff', reason: 'invalid_payload', rawBody: body, deliveries: 1 });
      const [line] = h.logs.requests();
      expect(line).toMatchObject({ outcome: 'invalid_payload', status: 400 });
      expect(String(line!.reason)).toContain('sessionId: must be a non-empty string');
    },
  );

  it('answers 400 invalid_json for authentic non-JSON, quarantines it, and counts a redelivery instead of storing it twice', async () => {
    const body = '{"eventType": "ine_registry", truncated';
    const first = await post(body, veriffHeaders(body, VERIFF_SECRET));
    const second = await post(body, veriffHeaders(body, VERIFF_SECRET));
    expect(first.status).toBe(400);
    expect(first.body).toEqual({ error: 'invalid_json' });
    expect(second.body).toEqual({ error: 'invalid_json' });
    const { items } = await h.store.listQuarantine({ limit: 10 });
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({ reason: 'invalid_json', rawBody: body, rawBodyEncoding: 'utf8', deliveries: 2 });
    expect(h.logs.requests().map((l) => l.outcome)).toEqual(['invalid_json', 'invalid_json']);
  });

  it('logs where JSON broke, never the text around it (V8 quotes it; it may be a CURP or a name)', async () => {
    const body = '{"eventType":"ine_registry","curp":"PEGJ800101MDFRRN09","name":"JUANA PEREZ" "x":1}';
    const res = await post(body, veriffHeaders(body, VERIFF_SECRET));
    expect(res.status).toBe(400);
    const reason = String(h.logs.requests()[0]!.reason);
    expect(reason).toMatch(/^\(root\): not valid JSON at position 77; quarantined /);
    expect(h.logs.text()).not.toContain('PEGJ800101MDFRRN09');
    expect(h.logs.text()).not.toContain('JUANA');
  });

  it('treats invalid UTF-8 as invalid_json and keeps the exact bytes in quarantine', async () => {
    const body = Buffer.concat([Buffer.from('{"eventType":"ine_registry","x":"'), Buffer.from([0xc3, 0x28]), Buffer.from('"}')]);
    const res = await post(body, veriffHeaders(body, VERIFF_SECRET));
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ error: 'invalid_json' });
    const [item] = (await h.store.listQuarantine({ limit: 10 })).items;
    expect(item!.rawBodyEncoding).toBe('base64');
    expect(Buffer.from(item!.rawBody, 'base64').equals(body)).toBe(true);
  });

  it.each([
    ['a JSON array', '[1,2]'],
    ['a JSON string', '"ine_registry"'],
    ['no eventType', '{"sessionId":"s"}'],
  ])('stores %s, authentic, as unrecognised and answers 200 (Veriff: accept unfamiliar payloads)', async (_name, body) => {
    const res = await post(body, veriffHeaders(body, VERIFF_SECRET));
    expect(res.status).toBe(200);
    expect((await allEvents()).map((e) => [e.type, e.rawBody])).toEqual([['unrecognised', body]]);
    expect(h.logs.requests()[0]).toMatchObject({ outcome: 'unrecognised', status: 200 });
  });

  it('stores an unfamiliar event type as unrecognised and answers 200; its key ignores time', async () => {
    const payload = {
      eventType: 'ine_registry_v2',
      sessionId: 's-9',
      vendorData: 'cust-9',
      time: '2025-01-01T00:00:00Z',
      result: { ok: true },
    };
    const res = await sendSigned(payload);
    expect(res.status).toBe(200);
    expect(res.text).toBe('{"status":"success"}');
    await sendSigned({ ...payload, time: '2025-01-01T01:00:00Z' });
    const events = await allEvents();
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ type: 'ine_registry_v2', sessionId: 's-9', reference: 'cust-9', status: null, deliveries: 2 });
    expect(h.logs.requests().map((l) => l.outcome)).toEqual(['unrecognised', 'duplicate']);
  });

  it('is closed with 503 naming VERIFF_SHARED_SECRET when no secret is configured', async () => {
    await h.close();
    const { VERIFF_SHARED_SECRET: _omit, ...env } = FULL_ENV;
    h = await harness(env);
    const body = JSON.stringify(veriffPayload());
    const res = await post(body, veriffHeaders(body, 'anything'));
    expect(res.status).toBe(503);
    expect(res.body).toEqual({ error: 'not_configured' });
    expect(await allEvents()).toHaveLength(0);
    expect(h.logs.requests()[0]).toMatchObject({ outcome: 'not_configured', status: 503 });
    expect(String(h.logs.requests()[0]!.reason)).toContain('VERIFF_SHARED_SECRET');
  });
});
