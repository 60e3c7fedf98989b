import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { duplicateKey } from '../src/providers/json-body.js';
import { veriffPayload } from './helpers/fixtures.js';
import { ADMIN_TOKEN, harness, type Harness } from './helpers/harness.js';
import { sendIncode, sendVeriff } from './helpers/send-delivery.js';

describe('ambiguous JSON is quarantined, never stored as an event', () => {
  let h: Harness;
  afterEach(async () => {
    await h?.close();
  });
  const events = async () => (await h.store.listEvents({ limit: 100 })).items;

  it('finds a key twice in one object at any depth, comparing keys by value', () => {
    expect(duplicateKey('{"a":1,"b":{"c":[{"d":1,"d":2}]}}')).toBe('[].d');
    expect(duplicateKey('{"sessionId":"A","x":{"sessionId":"B"},"sessionId":"C"}')).toBe('sessionId');
    expect(duplicateKey('{"a":1,"\\u0061":2}')).toBe('a');
    expect(duplicateKey('{"data":{"code":200,"code":500}}')).toBe('data.code');
    expect(duplicateKey('{"a":"\\"a\\":","b":[1,{"a":2}],"c":{"a":3}}')).toBeNull();
  });

  it('a body with a duplicate key is 400 invalid_payload and quarantined; the clean body with the last values is a new event', async () => {
    h = await harness();
    const p = veriffPayload({ sessionId: 'dup-A' });
    const ambiguous = JSON.stringify(p).replace('"sessionId":"dup-A"', '"sessionId":"dup-A","sessionId":"dup-B"');
    const res = await sendVeriff(h, ambiguous);
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({
      error: 'invalid_payload',
      issues: [{ path: 'sessionId', message: expect.stringContaining('appears twice') }],
    });
    expect(await events()).toEqual([]);
    expect((await h.store.listQuarantine({ limit: 10 })).items).toEqual([
      expect.objectContaining({ rawBody: ambiguous, reason: 'invalid_payload' }),
    ]);
    expect(h.logs.requests().at(-1)).toMatchObject({ outcome: 'invalid_payload', status: 400 });
    const clean = await sendVeriff(h, { ...p, sessionId: 'dup-B' });
    expect(clean.status).toBe(200);
    expect(h.logs.requests().at(-1)).toMatchObject({ outcome: 'accepted' });
    const nested = await sendIncode(h, '{"InterviewId":"i-1","ScrapingStatus":"FINISHED","x":{"k":1,"k":2}}');
    expect(nested.status).toBe(400);
  });

  it('lone surrogates in identifiers are quarantined, so different sessions never merge; a BOM is ignored', async () => {
    h = await harness();
    for (const s of ['\\ud800', '\\ud801', '\\udc00']) {
      const body = JSON.stringify(veriffPayload({ sessionId: 'X' })).replace('"sessionId":"X"', `"sessionId":"${s}"`);
      const res = await sendVeriff(h, body);
      expect(res.status).toBe(400);
      expect(res.body.issues).toEqual([{ path: 'sessionId', message: 'contains a lone surrogate (not a Unicode character)' }]);
    }
    // A surrogate pair (an emoji) is a character like any other.
    expect((await sendVeriff(h, veriffPayload({ sessionId: 'sess-😀' }))).status).toBe(200);
    const bom = `\ufeff${JSON.stringify(veriffPayload({ sessionId: 'sess-bom' }))}`;
    expect((await sendVeriff(h, bom)).status).toBe(200);
    expect((await events()).map((e) => e.sessionId)).toEqual(['sess-😀', 'sess-bom']);
    expect((await events())[1]!.rawBody).toBe(bom.slice(1));
  });

  it('one length limit for intake and the admin API: a longer identifier is quarantined, a 1024-character one stored and read back', async () => {
    h = await harness();
    expect((await sendVeriff(h, veriffPayload({ sessionId: 's'.repeat(1500) }))).status).toBe(400);
    const long = 'r'.repeat(1024);
    expect((await sendVeriff(h, veriffPayload({ sessionId: long }))).status).toBe(200);
    const get = (path: string) => request(h.admin).get(path).set('authorization', `Bearer ${ADMIN_TOKEN}`);
    expect((await get(`/sessions/${long}`)).status).toBe(200);
    expect((await get(`/events?sessionId=${long}`)).body.events).toHaveLength(1);
    for (const bad of [
      '/events?sessionId[]=a',
      '/events?sessionId=a&sessionId=b',
      '/events?limit=1e2',
      '/events?limit=%205',
      '/events?bogus=1',
      '/quarantine?x=1',
    ]) {
      const res = await get(bad);
      expect({ bad, status: res.status, error: res.body.error }).toEqual({ bad, status: 400, error: 'invalid_query' });
    }
  });
});
