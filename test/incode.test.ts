import type { Express } from 'express';
import { buildApp } from '../src/app.js';
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { signHmac } from '../src/auth/hmac.js';
import { incodePayload, postRaw } from './helpers/fixtures.js';
import { FULL_ENV, harness, INCODE_HEADER_SECRET, OAUTH_ID, OAUTH_SECRET, type Harness } from './helpers/harness.js';

const PATH = '/webhooks/incode/ine-scraping';
const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;

describe('Incode INE scraping webhook', () => {
  let h: Harness;
  afterEach(async () => {
    await h.close();
  });
  const post = (payload: unknown, headers: Record<string, string>) =>
    postRaw(request(h.app), PATH, typeof payload === 'string' ? payload : JSON.stringify(payload), {
      'content-type': 'application/json',
      ...headers,
    });
  const allEvents = async () => (await h.store.listEvents({ limit: 1000 })).items;
  const token = async () => {
    const res = await request(h.app)
      .post('/oauth/token')
      .set('authorization', basic(OAUTH_ID, OAUTH_SECRET))
      .type('form')
      .send('grant_type=client_credentials');
    expect(res.status).toBe(200);
    return res.body.access_token as string;
  };

  it('accepts the static secret header, answers exactly {"success":"true"} as JSON, and stores the event', async () => {
    h = await harness();
    const payload = incodePayload({ InterviewId: '64f0c0ffee', externalId: 'cust-7', ScrapingStatus: 'IN_PROGRESS' });
    const res = await post(payload, { 'x-webhook-secret': INCODE_HEADER_SECRET });
    expect(res.status).toBe(200);
    expect(res.text).toBe('{"success":"true"}');
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    const [event] = await allEvents();
    expect(event).toMatchObject({
      provider: 'incode',
      type: 'ine_scraping',
      sessionId: '64f0c0ffee',
      reference: 'cust-7',
      status: 'IN_PROGRESS',
      integration: 'static-header',
      deliveries: 1,
      payload,
    });
    expect(h.logs.requests()).toEqual([
      expect.objectContaining({ provider: 'incode', outcome: 'accepted', status: 200, sessionId: '64f0c0ffee', eventId: event!.id }),
    ]);
  });

  it('refuses a wrong or missing static header with 401, logging why for each method, storing nothing', async () => {
    h = await harness();
    const wrong = await post(incodePayload(), { 'x-webhook-secret': 'nope' });
    const missing = await post(incodePayload(), {});
    expect([wrong.status, missing.status]).toEqual([401, 401]);
    expect(wrong.body).toEqual({ error: 'unauthorized' });
    expect(await allEvents()).toHaveLength(0);
    const [first, second] = h.logs.requests();
    expect(first!.reason).toBe('static-header: wrong value in header x-webhook-secret; oauth: missing bearer token');
    expect(second!.reason).toBe('static-header: missing header x-webhook-secret; oauth: missing bearer token');
  });

  it('accepts a bearer token from POST /oauth/token (the OAuth client-credentials flow)', async () => {
    h = await harness();
    const res = await post(incodePayload({ ScrapingStatus: 'FINISHED' }), { authorization: `Bearer ${await token()}` });
    expect(res.status).toBe(200);
    expect((await allEvents())[0]!.integration).toBe('oauth');
    expect(h.logs.text()).not.toContain(OAUTH_SECRET);
  });

  it('refuses an expired token, a tampered token and a token from another secret', async () => {
    h = await harness();
    const good = await token();
    const [head, claims, sig] = good.split('.') as [string, string, string];
    const tampered = `${head}.${Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(claims, 'base64url').toString()), exp: 9e9 })).toString('base64url')}.${sig}`;
    expect((await post(incodePayload(), { authorization: `Bearer ${tampered}` })).status).toBe(401);
    h.clock.advance(3600 * 1000);
    expect((await post(incodePayload(), { authorization: `Bearer ${good}` })).status).toBe(401);
    await h.close();
    h = await harness({ ...FULL_ENV, INCODE_OAUTH_CLIENT_SECRET: 'a-different-secret-0123456789' });
    expect((await post(incodePayload(), { authorization: `Bearer ${good}` })).status).toBe(401);
    expect(String(h.logs.requests()[0]!.reason)).toContain('oauth: bearer token signature mismatch');
    expect(await allEvents()).toHaveLength(0);
  });

  it('logs "expired bearer token" for a token past its expires_in', async () => {
    h = await harness();
    const t = await token();
    h.clock.advance(3600 * 1000 - 1);
    expect((await post(incodePayload(), { authorization: `Bearer ${t}` })).status).toBe(200);
    h.clock.advance(1);
    expect((await post(incodePayload(), { authorization: `Bearer ${t}` })).status).toBe(401);
    expect(String(h.logs.requests()[1]!.reason)).toContain('oauth: expired bearer token');
  });

  it("verifies a token issued by another replica of the same installation (stateless), and refuses another installation's", async () => {
    h = await harness();
    // Another replica: its own app, the same database (so the same installation id).
    const replica = buildApp({
      config: h.config,
      store: h.store,
      logger: h.logger,
      clock: h.clock,
      metrics: h.metrics,
      activity: h.activity,
      installationId: await h.store.installationId(),
    });
    const tokenFrom = async (app: Express) =>
      (
        await request(app)
          .post('/oauth/token')
          .set('authorization', basic(OAUTH_ID, OAUTH_SECRET))
          .type('form')
          .send('grant_type=client_credentials')
      ).body.access_token as string;
    expect((await post(incodePayload(), { authorization: `Bearer ${await tokenFrom(replica)}` })).status).toBe(200);
    // Another installation (its own database) sharing the client secret: its tokens are not ours.
    const other = await harness();
    try {
      const res = await post(incodePayload(), { authorization: `Bearer ${await tokenFrom(other.app)}` });
      expect(res.status).toBe(401);
      expect(h.logs.requests().at(-1)).toMatchObject({
        outcome: 'unauthorized',
        reason: expect.stringContaining('bearer token for another audience'),
      });
    } finally {
      await other.close();
    }
    // Installations that must share tokens name one audience.
    const a = await harness({ ...FULL_ENV, INCODE_OAUTH_AUDIENCE: 'ine-webhooks/incode/shared' });
    const b = await harness({ ...FULL_ENV, INCODE_OAUTH_AUDIENCE: 'ine-webhooks/incode/shared' });
    try {
      const res = await request(a.app)
        .post('/webhooks/incode/ine-scraping')
        .set({ authorization: `Bearer ${await tokenFrom(b.app)}`, 'content-type': 'application/json' })
        .send(JSON.stringify(incodePayload()));
      expect(res.status).toBe(200);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('accepts HMAC with INCODE_HMAC_SECRET when configured, and only that method then', async () => {
    h = await harness({ INCODE_HMAC_SECRET: 'incode-hmac-secret' });
    const body = JSON.stringify(incodePayload());
    const ok = await post(body, { 'x-hmac-signature': signHmac('incode-hmac-secret', body) });
    const bad = await post(body, { 'x-webhook-secret': INCODE_HEADER_SECRET });
    expect([ok.status, bad.status]).toEqual([200, 401]);
    expect((await allEvents())[0]!.integration).toBe('hmac');
    expect(h.logs.requests()[1]!.reason).toBe('hmac: missing signature header');
  });

  it('accepts the camelCase spellings interviewId and scrapingStatus', async () => {
    h = await harness();
    const res = await post({ interviewId: 'abc', scrapingStatus: 'FINISHED' }, { 'x-webhook-secret': INCODE_HEADER_SECRET });
    expect(res.status).toBe(200);
    expect((await allEvents())[0]).toMatchObject({ sessionId: 'abc', status: 'FINISHED', reference: null });
  });

  it('stores IN_PROGRESS and FINISHED as two events, and a retried FINISHED once with its count', async () => {
    h = await harness();
    const auth = { 'x-webhook-secret': INCODE_HEADER_SECRET };
    await post({ InterviewId: 'i-1', ScrapingStatus: 'IN_PROGRESS' }, auth);
    await post({ InterviewId: 'i-1', ScrapingStatus: 'FINISHED' }, auth);
    const retry = await post({ InterviewId: 'i-1', ScrapingStatus: 'FINISHED', externalId: null }, auth);
    expect(retry.text).toBe('{"success":"true"}');
    const events = await allEvents();
    expect(events.map((e) => [e.status, e.deliveries])).toEqual([
      ['IN_PROGRESS', 1],
      ['FINISHED', 2],
    ]);
    expect(h.logs.requests().map((l) => l.outcome)).toEqual(['accepted', 'accepted', 'duplicate']);
  });

  it.each([
    ['no InterviewId', { ScrapingStatus: 'FINISHED' }, 'InterviewId'],
    ['an empty InterviewId', { InterviewId: '', ScrapingStatus: 'FINISHED' }, 'InterviewId'],
    ['a numeric InterviewId', { InterviewId: 7, ScrapingStatus: 'IN_PROGRESS' }, 'InterviewId'],
  ])('answers 400 invalid_payload for %s and quarantines it', async (_name, payload, path) => {
    h = await harness();
    const res = await post(payload, { 'x-webhook-secret': INCODE_HEADER_SECRET });
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('invalid_payload');
    expect(res.body.issues.map((i: { path: string }) => i.path)).toContain(path);
    expect((await h.store.listQuarantine({ limit: 5 })).items[0]).toMatchObject({ provider: 'incode', reason: 'invalid_payload' });
    expect(await allEvents()).toHaveLength(0);
  });

  it('is closed with 503 naming the settings when no method is configured', async () => {
    h = await harness({ VERIFF_SHARED_SECRET: 'x' });
    const res = await post(incodePayload(), { 'x-webhook-secret': INCODE_HEADER_SECRET });
    expect(res.status).toBe(503);
    expect(res.body).toEqual({ error: 'not_configured' });
    expect(h.logs.requests()[0]!.reason).toBe(
      'no authentication method configured; set INCODE_HEADER_NAME / INCODE_HEADER_SECRET / INCODE_OAUTH_CLIENT_ID / INCODE_OAUTH_CLIENT_SECRET / INCODE_HMAC_SECRET',
    );
    expect(await allEvents()).toHaveLength(0);
  });
});

describe('POST /oauth/token', () => {
  let h: Harness;
  afterEach(async () => {
    await h.close();
  });
  const ask = (authorization: string | undefined, form: string) => {
    const r = request(h.app).post('/oauth/token').type('form');
    if (authorization) r.set('authorization', authorization);
    return r.send(form);
  };

  it('issues a Bearer token with expires_in from INCODE_OAUTH_TOKEN_TTL, not cached, and logs without the token', async () => {
    h = await harness({ ...FULL_ENV, INCODE_OAUTH_TOKEN_TTL: '600' });
    const res = await ask(basic(OAUTH_ID, OAUTH_SECRET), 'grant_type=client_credentials');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ access_token: expect.stringMatching(/^[\w-]+\.[\w-]+\.[\w-]+$/), token_type: 'Bearer', expires_in: 600 });
    expect(res.headers['cache-control']).toBe('no-store');
    expect(h.logs.lines.some((l) => l.msg === 'oauth token issued')).toBe(true);
    expect(h.logs.text()).not.toContain(res.body.access_token);
  });

  it('accepts client credentials in the form body too (client_secret_post)', async () => {
    h = await harness();
    const res = await ask(undefined, `grant_type=client_credentials&client_id=${OAUTH_ID}&client_secret=${OAUTH_SECRET}`);
    expect(res.status).toBe(200);
  });

  it.each([
    ['wrong secret', basic(OAUTH_ID, 'wrong-secret-0123456789'), 'grant_type=client_credentials', 401, 'invalid_client'],
    ['wrong id', basic('someone', OAUTH_SECRET), 'grant_type=client_credentials', 401, 'invalid_client'],
    ['no credentials', undefined, 'grant_type=client_credentials', 401, 'invalid_client'],
    ['wrong grant type', basic(OAUTH_ID, OAUTH_SECRET), 'grant_type=password', 400, 'unsupported_grant_type'],
    ['no grant type', basic(OAUTH_ID, OAUTH_SECRET), 'scope=x', 400, 'invalid_request'],
  ])('refuses %s in the RFC 6749 §5.2 shape', async (_name, auth, form, status, code) => {
    h = await harness();
    const res = await ask(auth, form);
    expect(res.status).toBe(status);
    expect(res.body).toEqual({ error: code, error_description: expect.any(String) });
    expect(res.body.access_token).toBeUndefined();
    if (status === 401) expect(res.headers['www-authenticate']).toMatch(/^Basic/);
    expect(h.logs.lines.some((l) => l.oauth === 'refused' && l.error === code)).toBe(true);
    expect(h.logs.text()).not.toContain(OAUTH_SECRET);
  });

  it('refuses a JSON body with 400 invalid_request', async () => {
    h = await harness();
    const res = await request(h.app)
      .post('/oauth/token')
      .set('authorization', basic(OAUTH_ID, OAUTH_SECRET))
      .send({ grant_type: 'client_credentials' });
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('invalid_request');
  });

  it('is 404 when OAuth is not configured', async () => {
    h = await harness({ VERIFF_SHARED_SECRET: 'x' });
    const res = await ask(basic(OAUTH_ID, OAUTH_SECRET), 'grant_type=client_credentials');
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ error: 'not_found' });
  });

  it('keeps tokens issued under the old secret valid while both are configured (rotation)', async () => {
    // The same installation before and after the rotation (a harness has a new database each time).
    const audience = { INCODE_OAUTH_AUDIENCE: 'ine-webhooks/incode/rotation-test' };
    h = await harness({ ...FULL_ENV, ...audience, INCODE_OAUTH_CLIENT_SECRET: 'old-secret-0123456789abc' });
    const old = (await ask(basic(OAUTH_ID, 'old-secret-0123456789abc'), 'grant_type=client_credentials')).body.access_token;
    await h.close();
    h = await harness({ ...FULL_ENV, ...audience, INCODE_OAUTH_CLIENT_SECRET: 'new-secret-0123456789abc,old-secret-0123456789abc' });
    const res = await postRaw(request(h.app), PATH, JSON.stringify(incodePayload()), {
      'content-type': 'application/json',
      authorization: `Bearer ${old}`,
    });
    expect(res.status).toBe(200);
    expect((await ask(basic(OAUTH_ID, 'old-secret-0123456789abc'), 'grant_type=client_credentials')).status).toBe(200);
  });
});
