import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { signHmac } from '../src/auth/hmac.js';
import { postRaw, veriffPayload } from './helpers/fixtures.js';
import { harness } from './helpers/harness.js';

const M = {
  veriff: 'MARKER-veriff-secret-1111',
  header: 'MARKER-header-secret-2222',
  oauth: 'MARKER-oauth-secret-33333',
  hmac: 'MARKER-incode-hmac-44444',
  admin: 'MARKER-admin-token-555555',
};

describe('secrets, signatures, tokens and payload PII never reach logs or answers', () => {
  it('holds across every outcome', async () => {
    const h = await harness({
      VERIFF_SHARED_SECRET: M.veriff,
      INCODE_HEADER_NAME: 'x-webhook-secret',
      INCODE_HEADER_SECRET: M.header,
      INCODE_OAUTH_CLIENT_ID: 'client',
      INCODE_OAUTH_CLIENT_SECRET: M.oauth,
      INCODE_HMAC_SECRET: M.hmac,
      ADMIN_TOKEN: M.admin,
      BODY_LIMIT: '2kb',
      LOG_LEVEL: 'trace',
    });
    const answers: string[] = [];
    const leaks: string[] = Object.values(M);
    const keep = (res: { text: string }) => answers.push(res.text);
    const veriff = (payload: unknown, secret = M.veriff, type = 'application/json') => {
      const body = typeof payload === 'string' ? payload : JSON.stringify(payload);
      const signature = signHmac(secret, body);
      leaks.push(signature);
      return postRaw(request(h.app), '/webhooks/veriff/ine-registry', body, {
        'content-type': type,
        'x-hmac-signature': signature,
        'x-auth-client': 'key-1',
      });
    };
    try {
      const p = veriffPayload({ vendorData: 'PII-CURP-ABCD123456', endUserId: 'PII-END-USER' });
      leaks.push('PII-CURP-ABCD123456', 'PII-END-USER', 'La credencial es válida');
      keep(await veriff(p));
      keep(await veriff(p));
      keep(await veriff(p, 'wrong-secret'));
      keep(await veriff('{"PII-NOT-JSON": '));
      keep(await veriff({ ...p, sessionId: 42, data: { code: 'PII-CODE' } }));
      keep(await veriff(p, M.veriff, 'application/xml'));
      keep(await veriff({ pad: 'x'.repeat(3000) }));
      keep(await request(h.app).get('/webhooks/veriff/ine-registry'));
      const basic = `Basic ${Buffer.from(`client:${M.oauth}`).toString('base64')}`;
      const tokenRes = await request(h.app)
        .post('/oauth/token')
        .set('authorization', basic)
        .type('form')
        .send('grant_type=client_credentials');
      leaks.push(tokenRes.body.access_token);
      keep(
        await request(h.app)
          .post('/oauth/token')
          .set('authorization', `Basic ${Buffer.from(`client:${M.header}`).toString('base64')}`)
          .type('form')
          .send('grant_type=client_credentials'),
      );
      const incode = (headers: Record<string, string>) =>
        postRaw(request(h.app), '/webhooks/incode/ine-scraping', '{"InterviewId":"i","ScrapingStatus":"FINISHED","externalId":"PII-EXT"}', {
          'content-type': 'application/json',
          ...headers,
        });
      leaks.push('PII-EXT');
      keep(await incode({ authorization: `Bearer ${tokenRes.body.access_token}` }));
      keep(await incode({ authorization: `Bearer ${tokenRes.body.access_token}x` }));
      keep(await incode({ 'x-webhook-secret': M.header }));
      keep(await incode({ 'x-webhook-secret': `${M.header}-wrong` }));
      keep(await request(h.admin).get('/events').set('authorization', `Bearer ${M.admin}-wrong`));

      const outcomes = new Set(h.logs.requests().map((l) => l.outcome));
      expect([...outcomes].sort()).toEqual([
        'accepted',
        'duplicate',
        'invalid_json',
        'invalid_payload',
        'method_not_allowed',
        'too_large',
        'unauthorized',
        'unsupported_media_type',
      ]);
      const logText = h.logs.text();
      for (const leak of leaks) {
        expect(logText, `log contains ${leak.slice(0, 20)}`).not.toContain(leak);
        for (const answer of answers) expect(answer).not.toContain(leak);
      }
    } finally {
      await h.close();
    }
  });
});

describe('secrets stay out of logs and answers in the remaining outcomes', () => {
  it('forbidden, not_configured and store_unavailable', async () => {
    const body = JSON.stringify(veriffPayload({ vendorData: 'PII-REF-2' }));
    const signature = signHmac(M.veriff, body);
    const send = (h: Awaited<ReturnType<typeof harness>>, sig = signature) =>
      postRaw(request(h.app), '/webhooks/veriff/ine-registry', body, { 'content-type': 'application/json', 'x-hmac-signature': sig });
    const answers: string[] = [];
    const logs: string[] = [];
    const outcomes = new Set<unknown>();

    const forbidden = await harness({ VERIFF_SHARED_SECRET: M.veriff, VERIFF_ALLOWED_IPS: '203.0.113.0/24', ADMIN_TOKEN: M.admin });
    const limited = await harness({ VERIFF_SHARED_SECRET: M.veriff, INCODE_HMAC_SECRET: M.hmac });
    const closed = await harness({
      VERIFF_SHARED_SECRET: M.veriff,
      INCODE_HEADER_NAME: 'x-webhook-secret',
      INCODE_HEADER_SECRET: M.header,
    });
    try {
      answers.push((await send(forbidden)).text);
      answers.push((await send(limited, signHmac('wrong', body))).text, (await send(limited)).text);
      answers.push(
        (
          await postRaw(request(forbidden.app), '/webhooks/incode/ine-scraping', '{}', {
            'content-type': 'application/json',
            'x-webhook-secret': M.header,
          })
        ).text,
      );
      await closed.store.close();
      answers.push((await send(closed)).text);
      for (const h of [forbidden, limited, closed]) {
        logs.push(h.logs.text());
        for (const l of h.logs.requests()) outcomes.add(l.outcome);
      }
    } finally {
      await forbidden.close();
      await limited.close();
      await closed.close().catch(() => undefined);
    }
    expect([...outcomes].sort()).toEqual(['accepted', 'forbidden', 'not_configured', 'store_unavailable', 'unauthorized']);
    for (const leak of [...Object.values(M), signature, 'PII-REF-2']) {
      for (const text of [...answers, ...logs]) expect(text).not.toContain(leak);
    }
  });
});
