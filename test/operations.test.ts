import request from 'supertest';
import { VERSION } from '../src/version.js';
import { afterEach, describe, expect, it } from 'vitest';
import { deriveState } from '../src/sessions/session-view.js';
import type { StoredEvent } from '../src/store/event-store.js';
import { incodePayload, veriffPayload } from './helpers/fixtures.js';
import { sendIncode, sendVeriff } from './helpers/send-delivery.js';
import { ADMIN_TOKEN, harness, OAUTH_ID, OAUTH_SECRET, type Harness } from './helpers/harness.js';

const admin = (h: Harness, path: string) => request(h.admin).get(path).set('authorization', `Bearer ${ADMIN_TOKEN}`);

/** Parses Prometheus text exposition into {"name{labels}": value}. */
function parseMetrics(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][\w:]*(?:\{[^}]*\})?) (\S+)$/.exec(line);
    if (!m) throw new Error(`not Prometheus text: ${line}`);
    out.set(m[1]!, Number(m[2]));
  }
  return out;
}

describe('GET /metrics on the admin listener', () => {
  let h: Harness;
  afterEach(async () => {
    await h.close();
  });

  it('parses as Prometheus text and moves with traffic: requests, duplicates, quarantine, commits, tokens', async () => {
    h = await harness();
    const before = parseMetrics((await request(h.admin).get('/metrics')).text);
    expect(before.get('ine_webhooks_store_commits_total{backend="sqlite",result="ok"}')).toBe(0);
    expect(before.get('ine_webhooks_oauth_tokens_total{result="issued"}')).toBe(0);
    expect([...before.keys()].some((k) => k.startsWith('process_cpu_seconds_total'))).toBe(true);

    const p = veriffPayload();
    await sendVeriff(h, p);
    await sendVeriff(h, p);
    await sendVeriff(h, { ...p, sessionId: null });
    await sendIncode(h, incodePayload());
    await request(h.app).post('/oauth/token').auth(OAUTH_ID, OAUTH_SECRET).type('form').send('grant_type=client_credentials');
    await request(h.app)
      .post('/oauth/token')
      .auth(OAUTH_ID, 'wrong-secret-wrong-secret')
      .type('form')
      .send('grant_type=client_credentials');

    const res = await request(h.admin).get('/metrics');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    const m = parseMetrics(res.text);
    expect(m.get('ine_webhooks_requests_total{provider="veriff",outcome="accepted"}')).toBe(1);
    expect(m.get('ine_webhooks_requests_total{provider="veriff",outcome="duplicate"}')).toBe(1);
    expect(m.get('ine_webhooks_requests_total{provider="veriff",outcome="invalid_payload"}')).toBe(1);
    expect(m.get('ine_webhooks_requests_total{provider="incode",outcome="accepted"}')).toBe(1);
    expect(m.get('ine_webhooks_duplicates_total{provider="veriff"}')).toBe(1);
    expect(m.get('ine_webhooks_quarantined_total{provider="veriff",reason="invalid_payload"}')).toBe(1);
    expect(m.get('ine_webhooks_request_duration_seconds_count{provider="veriff",outcome="accepted"}')).toBe(1);
    expect(m.get('ine_webhooks_store_commits_total{backend="sqlite",result="ok"}')).toBe(4);
    expect(m.get('ine_webhooks_store_commit_batch_size_sum{backend="sqlite"}')).toBe(4);
    expect(m.get('ine_webhooks_store_commit_duration_seconds_count{backend="sqlite"}')).toBe(4);
    expect(m.get('ine_webhooks_oauth_tokens_total{result="issued"}')).toBe(1);
    expect(m.get('ine_webhooks_oauth_tokens_total{result="refused"}')).toBe(1);
    expect(m.get(`ine_webhooks_build_info{version="${VERSION}"}`)).toBe(1);
    // Bounded labels only: no session id ever becomes a label value.
    expect(res.text).not.toContain(p.sessionId as string);
  });
});

describe('session views', () => {
  let h: Harness;
  let opened: Harness | undefined;
  const open = async () => (opened = h = await harness());
  afterEach(async () => {
    await opened?.close();
    opened = undefined;
  });

  const ev = (
    seq: number,
    provider: 'veriff' | 'incode',
    status: string | null,
    type = provider === 'veriff' ? 'ine_registry' : 'ine_scraping',
    vendorTime: string | null = null,
  ) => ({ seq: String(seq), provider, status, type, vendorTime }) as StoredEvent;
  const state = (s: Partial<ReturnType<typeof deriveState>>) => ({ veriff: null, veriffDecision: null, incode: null, ...s });

  it.each([
    [[ev(1, 'incode', 'IN_PROGRESS'), ev(2, 'incode', 'FINISHED')], state({ incode: 'FINISHED' })],
    [[ev(2, 'incode', 'FINISHED'), ev(3, 'incode', 'IN_PROGRESS')], state({ incode: 'FINISHED' })],
    [[ev(1, 'veriff', 'invalid'), ev(4, 'veriff', 'valid')], state({ veriff: 'valid' })],
    [[ev(1, 'veriff', null)], state({ veriff: 'unknown' })],
    [[ev(1, 'veriff', 'error')], state({ veriff: 'error' })],
    [[ev(1, 'veriff', null, 'something_else')], state({})],
    // By Veriff's own time, not by arrival: attempt 2 (valid), then attempt 1 (invalid) arriving an hour later.
    [
      [
        ev(1, 'veriff', 'valid', 'ine_registry', '2026-11-20T15:00:00.000Z'),
        ev(2, 'veriff', 'invalid', 'ine_registry', '2026-11-20T14:00:00Z'),
      ],
      state({ veriff: 'valid' }),
    ],
    // Spelt differently, compared as instants: 15:00+01:00 is before 14:30Z.
    [
      [
        ev(1, 'veriff', 'valid', 'ine_registry', '2026-11-20T14:30:00Z'),
        ev(2, 'veriff', 'invalid', 'ine_registry', '2026-11-20T15:00:00+0100'),
      ],
      state({ veriff: 'valid' }),
    ],
    // Microseconds count; equal times fall back to the log's order.
    [
      [
        ev(1, 'veriff', 'invalid', 'ine_registry', '2026-11-20T14:30:00.000002Z'),
        ev(2, 'veriff', 'valid', 'ine_registry', '2026-11-20 14:30:00.000001'),
      ],
      state({ veriff: 'invalid' }),
    ],
    [
      [
        ev(1, 'veriff', 'invalid', 'ine_registry', '2026-11-20T14:30:00Z'),
        ev(2, 'veriff', 'valid', 'ine_registry', '2026-11-20T14:30:00+00:00'),
      ],
      state({ veriff: 'valid' }),
    ],
    [
      [
        ev(1, 'veriff', 'approved', 'decision', '2026-11-20T15:00:00Z'),
        ev(2, 'veriff', 'resubmission_requested', 'decision', '2026-11-20T14:00:00Z'),
      ],
      state({ veriffDecision: 'approved' }),
    ],
  ])('derives %j as %j', (events, expected) => {
    expect(deriveState(events)).toEqual(expected);
  });

  it('GET /sessions/:id shows both vendors in order; a late IN_PROGRESS retry after FINISHED stays FINISHED', async () => {
    await open();
    await sendIncode(h, { InterviewId: 'S-1', externalId: 'cust-9', ScrapingStatus: 'IN_PROGRESS' });
    await sendIncode(h, { InterviewId: 'S-1', externalId: 'cust-9', ScrapingStatus: 'FINISHED' });
    await sendIncode(h, { InterviewId: 'S-1', externalId: 'cust-9', ScrapingStatus: 'IN_PROGRESS' });
    const res = await admin(h, '/sessions/S-1');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ sessionId: 'S-1', references: ['cust-9'], state: state({ incode: 'FINISHED' }) });
    expect(res.body.events.map((e: StoredEvent) => [e.status, e.deliveries])).toEqual([
      ['IN_PROGRESS', 2],
      ['FINISHED', 1],
    ]);
    expect((await admin(h, '/sessions/none')).status).toBe(404);
  });

  it("GET /sessions?reference= groups a customer's sessions of both vendors, with events lacking the reference", async () => {
    await open();
    await sendVeriff(
      h,
      veriffPayload({ sessionId: 'V-1', vendorData: 'cust-7', data: { status: 'x', code: 200, details: { active: false } } }),
    );
    await sendIncode(h, { InterviewId: 'I-1', ScrapingStatus: 'IN_PROGRESS' });
    await sendIncode(h, { InterviewId: 'I-1', externalId: 'cust-7', ScrapingStatus: 'FINISHED' });
    await sendIncode(h, { InterviewId: 'I-2', externalId: 'someone-else', ScrapingStatus: 'FINISHED' });
    const res = await admin(h, '/sessions?reference=cust-7');
    expect(res.status).toBe(200);
    expect(res.body.reference).toBe('cust-7');
    expect(
      res.body.sessions.map((s: { sessionId: string; state: unknown; events: unknown[] }) => [s.sessionId, s.state, s.events.length]),
    ).toEqual([
      ['V-1', { ...state({ veriff: 'invalid' }), incodeScore: null }, 1],
      ['I-1', { ...state({ incode: 'FINISHED' }), incodeScore: null }, 2],
    ]);
    const missing = await admin(h, '/sessions');
    expect(missing.status).toBe(400);
    expect(missing.body.issues[0].message).toContain('customer reference');
  });

  it('GET /quarantine/:id returns one item', async () => {
    await open();
    await sendVeriff(h, veriffPayload({ sessionId: '' }));
    const [item] = (await admin(h, '/quarantine')).body.items;
    expect((await admin(h, `/quarantine/${item.id}`)).body).toEqual(item);
    expect((await admin(h, '/quarantine/nope')).status).toBe(404);
  });
});
