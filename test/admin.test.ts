import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { incodePayload, veriffPayload } from './helpers/fixtures.js';
import { sendIncode, sendVeriff } from './helpers/send-delivery.js';
import { newEvent } from './helpers/store-contract.js';
import { ADMIN_TOKEN, FULL_ENV, harness, type Harness } from './helpers/harness.js';

describe('admin read API', () => {
  let h: Harness;
  afterEach(async () => {
    await h.close();
  });
  const get = (path: string, token = ADMIN_TOKEN) => request(h.admin).get(path).set('authorization', `Bearer ${token}`);

  it('refuses a missing or wrong key with 401, with or without ADMIN_TOKEN', async () => {
    const { ADMIN_TOKEN: _omit, ...env } = FULL_ENV;
    h = await harness(env);
    expect((await request(h.admin).get('/events')).status).toBe(401);
    expect((await get('/events')).status).toBe(401);
    await h.close();
    h = await harness();
    const none = await request(h.admin).get('/events');
    expect(none.status).toBe(401);
    expect(none.body).toEqual({ error: 'unauthorized' });
    expect((await get('/events', 'wrong-token-0123456789')).status).toBe(401);
    expect(h.logs.text()).not.toContain('wrong-token-0123456789');
  });

  it('pages GET /events oldest first with after/next, then keeps polling from where it stopped', async () => {
    h = await harness();
    for (let i = 0; i < 5; i += 1) await sendVeriff(h, veriffPayload());
    const ids: string[] = [];
    let after = '';
    for (;;) {
      const res = await get(`/events?limit=2${after ? `&after=${after}` : ''}`);
      expect(res.status).toBe(200);
      if (res.body.events.length === 0) {
        expect(res.body.next).toBeNull();
        break;
      }
      ids.push(...res.body.events.map((e: { id: string }) => e.id));
      after = res.body.next;
    }
    expect(ids).toHaveLength(5);
    const all = (await h.store.listEvents({ limit: 10 })).items.map((e) => e.id);
    expect(ids).toEqual(all);
    await sendIncode(h, incodePayload());
    const more = await get(`/events?after=${after}`);
    expect(more.body.events).toHaveLength(1);
    expect(more.body.events[0].provider).toBe('incode');
  });

  it('filters by provider, sessionId and reference, and returns one event by id', async () => {
    h = await harness();
    await sendVeriff(h, veriffPayload({ sessionId: 'sess-A', vendorData: 'cust-1' }));
    await sendIncode(h, incodePayload({ InterviewId: 'sess-A', externalId: 'cust-1' }));
    await sendIncode(h, incodePayload({ InterviewId: 'sess-B', externalId: 'cust-2' }));
    expect((await get('/events?sessionId=sess-A')).body.events).toHaveLength(2);
    expect((await get('/events?sessionId=sess-A&provider=incode')).body.events).toHaveLength(1);
    const byRef = (await get('/events?reference=cust-2')).body.events;
    expect(byRef).toEqual([
      expect.objectContaining({ sessionId: 'sess-B', reference: 'cust-2', status: 'FINISHED', integration: 'static-header' }),
    ]);
    const one = await get(`/events/${byRef[0].id}`);
    expect(one.body).toEqual(byRef[0]);
    expect(one.body.rawBody).toBe(JSON.stringify(one.body.payload));
    const missing = await get('/events/nope');
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({ error: 'not_found' });
  });

  it.each([
    '/events?limit=0',
    '/events?limit=5000',
    '/events?after=abc',
    '/events?provider=other',
    '/quarantine?after=-1',
    '/events?after=9999999999999999999',
    '/events?sessionId=a%00b',
    '/sessions?reference=%00',
  ])('answers 400 invalid_query for %s', async (path) => {
    h = await harness();
    const res = await get(path);
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('invalid_query');
    expect(res.body.issues.length).toBeGreaterThan(0);
  });

  it.each(['/events/a%00b', '/sessions/%00', '/quarantine/x%00'])('answers 400 invalid_parameter for %s', async (path) => {
    h = await harness();
    const res = await get(path);
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('invalid_parameter');
  });

  it('answers 400, not 500, for a path that is not valid percent-encoding, with or without a token, and logs no stack', async () => {
    h = await harness();
    for (const res of [await get('/events/%FF'), await request(h.admin).get('/events/%FF')]) {
      expect(res.status).toBe(400);
      expect(res.body).toEqual({ error: 'invalid_request' });
    }
    expect(h.logs.lines.some((l) => l.level === 50)).toBe(false);
  });

  it('serves every read from the stored bytes, so a stored body of any shape can always be read', async () => {
    h = await harness();
    // Stored by an earlier release, before intake refused such nesting: 5 000 levels.
    const deep = `{"x":${'['.repeat(5000)}${']'.repeat(5000)}}`;
    const pretty = '{ "a" : 1,\n  "b": "válida" }';
    const stored = [
      await h.store.append(newEvent({ sessionId: 's-deep', reference: 'r-deep', rawBody: deep })),
      await h.store.append(newEvent({ sessionId: 's-deep', reference: 'r-deep', rawBody: pretty })),
    ];
    const list = await get('/events?reference=r-deep');
    expect(list.status).toBe(200);
    expect(list.text).toContain(`"payload":${deep}`);
    expect(list.text).toContain(`"payload":${pretty}`);
    expect(list.body.events.map((e: { id: string; rawBody: string }) => [e.id, e.rawBody])).toEqual([
      [stored[0]!.id, deep],
      [stored[1]!.id, pretty],
    ]);
    expect((await get(`/events/${stored[0]!.id}`)).status).toBe(200);
    const session = await get('/sessions/s-deep');
    expect(session.status).toBe(200);
    expect(session.body).toMatchObject({ sessionId: 's-deep', next: null, events: [{ id: stored[0]!.id }, { id: stored[1]!.id }] });
    expect((await get('/sessions?reference=r-deep')).body).toMatchObject({
      reference: 'r-deep',
      next: null,
      sessions: [{ sessionId: 's-deep' }],
    });
  });

  it('bounds every read in bytes: pages stop early at about 8 MiB, always with one event, and paging finds every event', async () => {
    h = await harness();
    const big = (i: number) => JSON.stringify({ i, pad: 'x'.repeat(1024 * 1024) });
    for (let i = 0; i < 12; i += 1) await h.store.append(newEvent({ sessionId: `s-${i % 3}`, reference: 'r-big', rawBody: big(i) }));
    // /events with limit 1000: two pages, the first under 9 MiB of response.
    const first = await get('/events?reference=r-big&limit=1000');
    expect(first.body.events.length).toBeGreaterThan(0);
    expect(first.body.events.length).toBeLessThan(12);
    expect(first.text.length).toBeLessThan(2 * 9 * 1024 * 1024);
    const second = await get(`/events?reference=r-big&limit=1000&after=${first.body.next}`);
    const third = await get(`/events?reference=r-big&limit=1000&after=${second.body.next}`);
    expect(first.body.events.length + second.body.events.length + third.body.events.length).toBe(12);
    // A session's view holds its events up to the bound, and says where to go on.
    const session = (await get('/sessions/s-0')).body;
    expect(session.events.length).toBe(4);
    expect(session.next).toBeNull();
    // The reference's sessions come a page at a time, each once.
    const pages = [];
    for (let after = ''; ;) {
      const page = (await get(`/sessions?reference=r-big${after}`)).body;
      pages.push(page.sessions.map((v: { sessionId: string }) => v.sessionId));
      if (page.next === null) break;
      after = `&after=${page.next}`;
    }
    expect(pages.length).toBeGreaterThan(1);
    expect(pages.flat()).toEqual(['s-0', 's-1', 's-2']);
  });

  it('lists the quarantine with issues, raw body and deliveries', async () => {
    h = await harness();
    const bad = veriffPayload({ sessionId: 7 });
    await sendVeriff(h, bad);
    await sendVeriff(h, bad);
    const res = await get('/quarantine');
    expect(res.body.next).not.toBeNull();
    expect(res.body.items).toEqual([
      expect.objectContaining({
        provider: 'veriff',
        reason: 'invalid_payload',
        rawBody: JSON.stringify(bad),
        deliveries: 2,
        issues: [expect.objectContaining({ path: 'sessionId' })],
      }),
    ]);
    expect((await get(`/quarantine?after=${res.body.next}`)).body).toEqual({ items: [], next: null });
  });
});
