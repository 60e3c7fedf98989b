import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { createAuthFailureLimiter } from '../src/http/auth-failure-limiter.js';
import { postRaw, veriffHeaders, veriffPayload } from './helpers/fixtures.js';
import { FULL_ENV, harness, manualClock, OAUTH_ID, OAUTH_SECRET, VERIFF_SECRET } from './helpers/harness.js';

describe('createAuthFailureLimiter', () => {
  it('refuses an address after `limit` failures until its window ends, with the seconds left', () => {
    const clock = manualClock();
    const l = createAuthFailureLimiter({ limit: 3, windowMs: 60_000, clock });
    for (let i = 0; i < 3; i += 1) {
      expect(l.retryAfter('1.2.3.4')).toBe(0);
      l.recordFailure('1.2.3.4');
    }
    expect(l.retryAfter('1.2.3.4')).toBe(60);
    expect(l.retryAfter('5.6.7.8')).toBe(0);
    clock.advance(59_500);
    expect(l.retryAfter('1.2.3.4')).toBe(1);
    clock.advance(500);
    expect(l.retryAfter('1.2.3.4')).toBe(0);
  });

  it('is off with limit 0, and bounded in the addresses it tracks', () => {
    const clock = manualClock();
    const off = createAuthFailureLimiter({ limit: 0, windowMs: 60_000, clock });
    for (let i = 0; i < 100; i += 1) off.recordFailure('a');
    expect(off.retryAfter('a')).toBe(0);
    const small = createAuthFailureLimiter({ limit: 1, windowMs: 60_000, clock, maxAddresses: 2 });
    small.recordFailure('a');
    small.recordFailure('b');
    small.recordFailure('c');
    expect(small.retryAfter('a')).toBe(0);
    expect(small.retryAfter('c')).toBe(60);
  });
});

describe('429 on the routes', () => {
  it('a webhook route answers 429 with Retry-After after AUTH_FAILURE_LIMIT failures, before any other check, logged', async () => {
    const h = await harness({ ...FULL_ENV, AUTH_FAILURE_LIMIT: '3', AUTH_FAILURE_WINDOW_SECONDS: '30' });
    try {
      const bad = JSON.stringify(veriffPayload());
      for (let i = 0; i < 3; i += 1) {
        expect((await postRaw(request(h.app), '/webhooks/veriff/ine-registry', bad, veriffHeaders(bad, 'wrong'))).status).toBe(401);
      }
      const good = JSON.stringify(veriffPayload());
      const res = await postRaw(request(h.app), '/webhooks/veriff/ine-registry', good, veriffHeaders(good, VERIFF_SECRET));
      expect(res.status).toBe(429);
      expect(res.body).toEqual({ error: 'too_many_requests' });
      expect(res.headers['retry-after']).toBe('30');
      expect(h.logs.requests().at(-1)).toMatchObject({ outcome: 'rate_limited', status: 429 });
      expect((await h.store.listEvents({ limit: 5 })).items).toEqual([]);
      h.clock.advance(30_000);
      expect((await postRaw(request(h.app), '/webhooks/veriff/ine-registry', good, veriffHeaders(good, VERIFF_SECRET))).status).toBe(200);
    } finally {
      await h.close();
    }
  });

  it('refused OAuth clients count too, and get 429 in the RFC shape', async () => {
    const h = await harness({ ...FULL_ENV, AUTH_FAILURE_LIMIT: '2' });
    try {
      const ask = (secret: string) =>
        request(h.app).post('/oauth/token').auth(OAUTH_ID, secret).type('form').send('grant_type=client_credentials');
      expect((await ask('wrong-secret-0123456789')).status).toBe(401);
      expect((await ask('wrong-secret-0123456789')).status).toBe(401);
      const limited = await ask(OAUTH_SECRET);
      expect(limited.status).toBe(429);
      expect(limited.body.error).toBe('too_many_requests');
      expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    } finally {
      await h.close();
    }
  });
});
