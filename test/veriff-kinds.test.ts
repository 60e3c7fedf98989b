import request from 'supertest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sampleVeriff, VERIFF_KINDS } from '../src/delivery/samples.js';
import { classifyVeriff } from '../src/providers/veriff/classify.js';
import { sessionById } from '../src/sessions/session-view.js';
import { postRaw } from './helpers/fixtures.js';
import { sendVeriff } from './helpers/send-delivery.js';
import { harness, INCODE_HEADER_SECRET, type Harness } from './helpers/harness.js';

/** Bodies shaped as Veriff's pages show them (Spanish text, nulls, absent fields, extras), pretty-printed as some are. */
const decision = (overrides: Record<string, unknown> = {}) => ({
  status: 'success',
  verification: {
    id: '12df6045-3846-3e45-946a-14fa6136d78b',
    attemptId: '00bca969-b53a-4fad-b065-d1f5ac4c1b7c',
    vendorData: 'cliente-7781',
    endUserId: null,
    status: 'approved',
    code: 9001,
    reason: null,
    reasonCode: null,
    decisionTime: '2026-11-20T15:21:09.418+00:00',
    acceptanceTime: '2026-11-20T15:19:12.000+00:00',
    person: { firstName: 'JUANA', lastName: 'PÉREZ GARCÍA', idNumber: null, citizenship: null },
    document: { number: 'IDMEX1234567890', type: 'ID_CARD', country: 'MX', validUntil: null },
    additionalVerifiedData: {},
    ...overrides,
  },
  technicalData: { ip: '189.203.0.10' },
});

describe('Veriff: every webhook kind at one URL, classified by shape', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await harness();
  });
  afterEach(async () => {
    await h.close();
  });

  const send = (payload: unknown, { path = '/webhooks/veriff', pretty = false, headers = {} } = {}) =>
    sendVeriff(h, pretty ? JSON.stringify(payload, null, 2) : payload, { path, headers });
  const events = async () => (await h.store.listEvents({ limit: 100 })).items;

  it.each([
    [
      'a decision (approved)',
      decision(),
      {
        type: 'decision',
        sessionId: '12df6045-3846-3e45-946a-14fa6136d78b',
        reference: 'cliente-7781',
        status: 'approved',
        vendorTime: '2026-11-20T15:21:09.418+00:00',
      },
    ],
    [
      'a decision with nulls and no decisionTime',
      decision({ status: 'resubmission_requested', vendorData: null, decisionTime: undefined, person: null }),
      { type: 'decision', reference: null, status: 'resubmission_requested', vendorTime: null },
    ],
    [
      'an event webhook (started)',
      {
        id: 'f04bdb47-d3be-4b28-b028-a652feb060b5',
        attemptId: 'e30122d1-740b-4764-853f-470374a7abf4',
        feature: 'selfid',
        code: 7001,
        action: 'started',
        vendorData: 'cliente-1',
        endUserId: null,
      },
      { type: 'event', sessionId: 'f04bdb47-d3be-4b28-b028-a652feb060b5', reference: 'cliente-1', status: 'started', vendorTime: null },
    ],
    [
      'an event webhook (submitted)',
      { id: 's-2', attemptId: 'a-2', feature: 'selfid', code: 7002, action: 'submitted', vendorData: null },
      { type: 'event', sessionId: 's-2', reference: null, status: 'submitted' },
    ],
    [
      'an INE registry check that failed (code 504, active false)',
      {
        eventType: 'ine_registry',
        sessionId: 's-3',
        attemptId: 'a-3',
        vendorData: '',
        endUserId: null,
        version: '1.0.0',
        time: '2026-11-20T15:21:09.418123+0000',
        data: { status: 'Error de conexión', code: 504, details: { active: false } },
      },
      { type: 'ine_registry', sessionId: 's-3', reference: null, status: 'error', vendorTime: '2026-11-20T15:21:09.418123+0000' },
    ],
    [
      'an INE registry answer with code "200" as a string and no zone in time',
      {
        eventType: 'ine_registry',
        sessionId: 's-4',
        attemptId: 'a-4',
        vendorData: 'c-4',
        version: '1.0.0',
        time: '2026-11-20 15:21:09',
        data: {
          code: '200',
          details: { active: false, documentState: 'No se obtuvieron datos de la consulta con los parámetros seleccionados' },
        },
      },
      { type: 'ine_registry', status: 'invalid', vendorTime: '2026-11-20 15:21:09' },
    ],
    [
      'an INE registry answer without details',
      { eventType: 'ine_registry', sessionId: 's-5', attemptId: 'a-5', version: '1.0.0', time: 1700000000, data: { code: 200 } },
      { type: 'ine_registry', status: null, vendorTime: null, reference: null },
    ],
    [
      'a combined INE+CURP registry webhook',
      {
        eventType: 'combined-ine-curp-registry',
        sessionId: 's-6',
        vendorData: 'c-6',
        endUserId: null,
        attemptId: 'a-6',
        version: '1.0.0',
        time: '2026-11-20T15:21:09Z',
        data: { details: { ine: { ineIdentifier: 'IDMEX123', active: true }, curp: { curp: 'PEGJ800101MDFRRN09' } } },
      },
      { type: 'combined-ine-curp-registry', sessionId: 's-6', reference: 'c-6', status: 'valid' },
    ],
    [
      'a CURP registry webhook',
      {
        type: 'curp_registry',
        id: 's-7',
        vendorData: 'c-7',
        endUserId: null,
        version: '1.0.0',
        data: { attemptId: 'a-7', name: 'JUANA', status: 'RCN', code: 200, details: { statusCurp: 'RCN', curp: 'PEGJ800101MDFRRN09' } },
      },
      { type: 'curp_registry', sessionId: 's-7', reference: 'c-7', status: 'RCN' },
    ],
    [
      'a watchlist screening result',
      {
        checkType: 'initial_result',
        attemptId: 'a-8',
        sessionId: 's-8',
        vendorData: 'c-8',
        endUserId: null,
        matchStatus: 'possible_match',
        searchTerm: { name: 'JUANA PEREZ' },
        totalHits: 1,
        hits: [{ matchedName: 'JUANA PEREZ', countries: ['MX'] }],
      },
      { type: 'watchlist', sessionId: 's-8', reference: 'c-8', status: 'possible_match' },
    ],
    [
      'an unfamiliar kind',
      { somethingNew: true, sessionId: 's-9', vendorData: 'c-9', time: 'mañana' },
      { type: 'unrecognised', sessionId: 's-9', reference: 'c-9', status: null, vendorTime: 'mañana' },
    ],
  ])('stores %s and answers 200 {"status":"success"} as application/json', async (_name, payload, expected) => {
    const res = await send(payload, { pretty: true, headers: { 'vrf-auth-client': 'api-key-ine' } });
    expect(res.status).toBe(200);
    expect(res.text).toBe('{"status":"success"}');
    expect(res.headers['content-type']).toBe('application/json');
    const [event, ...rest] = await events();
    expect(rest).toHaveLength(0);
    expect(event).toMatchObject({
      provider: 'veriff',
      integration: 'api-key-ine',
      payload: JSON.parse(JSON.stringify(payload)),
      ...expected,
    });
    const [line] = h.logs.requests();
    expect(line).toMatchObject({ status: 200, type: expected.type, eventId: event!.id });
    expect(line!.outcome).toBe(expected.type === 'unrecognised' ? 'unrecognised' : 'accepted');
  });

  it('takes the first edition URL too, for every kind', async () => {
    expect((await send(decision(), { path: '/webhooks/veriff/ine-registry' })).status).toBe(200);
    expect((await events())[0]!.type).toBe('decision');
  });

  it('treats a decision webhook delivered again, or fetched from the API with another envelope, as one event', async () => {
    await send(decision());
    await send({ ...decision(), technicalData: { ip: '10.0.0.1' }, extra: 1 });
    const [event, ...rest] = await events();
    expect(rest).toHaveLength(0);
    expect(event!.deliveries).toBe(2);
    // A new status of the same session is a new event.
    await send(decision({ status: 'declined', decisionTime: '2026-11-21T10:00:00Z' }));
    expect((await events()).map((e) => e.status)).toEqual(['approved', 'declined']);
  });

  it.each([
    ['a decision without verification.id', decision({ id: undefined }), 'verification.id'],
    ['a decision with a numeric verification.id', decision({ id: 42 }), 'verification.id'],
    ['an event webhook without id', { code: 7002, action: 'submitted', attemptId: 'a' }, 'id'],
  ])('refuses %s with 400 invalid_payload, quarantined', async (_name, payload, path) => {
    const res = await send(payload);
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ error: 'invalid_payload', issues: [{ path, message: 'must be a non-empty string' }] });
    expect(await events()).toHaveLength(0);
    expect((await h.store.listQuarantine({ limit: 5 })).items).toHaveLength(1);
  });

  it("derives the session's registry state by Veriff's time: attempt 2 (valid), then attempt 1 (invalid) delivered an hour later", async () => {
    const registry = (attemptId: string, time: string, active: boolean) => ({
      eventType: 'ine_registry',
      sessionId: 's-order',
      attemptId,
      vendorData: 'c-order',
      version: '1.0.0',
      time,
      data: { status: active ? 'La credencial es válida' : 'La credencial no es válida', code: 200, details: { active } },
    });
    await send(registry('attempt-2', '2026-11-20T15:00:00.000000+00:00', true));
    h.clock.advance(3_600_000);
    await send(registry('attempt-1', '2026-11-20T14:10:00.000Z', false));
    await send(decision({ id: 's-order', status: 'approved', decisionTime: '2026-11-20T15:01:00Z' }));
    const view = await sessionById(h.store, 's-order');
    expect(view?.state).toEqual({ veriff: 'valid', veriffDecision: 'approved', incode: null, incodeScore: null });
    expect(view?.events.map((e) => e.type)).toEqual(['ine_registry', 'ine_registry', 'decision']);
  });

  it('records vrf-auth-client, and x-auth-client first when both are sent', async () => {
    await send(decision(), { headers: { 'vrf-auth-client': 'vrf-key' } });
    await send(decision({ status: 'review' }), { headers: { 'x-auth-client': 'x-key', 'vrf-auth-client': 'vrf-key' } });
    expect((await events()).map((e) => e.integration)).toEqual(['vrf-key', 'x-key']);
  });
});

describe('Incode: INE scraping, onboarding status and anything else authentic', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await harness();
  });
  afterEach(async () => {
    await h.close();
  });
  // The headers replace the JSON Content-Type: some cases send none at all.
  const send = (body: string, headers: Record<string, string> = { 'content-type': 'application/json' }) =>
    postRaw(request(h.app), '/webhooks/incode/ine-scraping', body, { 'x-webhook-secret': INCODE_HEADER_SECRET, ...headers });
  const events = async () => (await h.store.listEvents({ limit: 100 })).items;

  it.each([
    ['no Content-Type', {}],
    ['text/plain', { 'content-type': 'text/plain' }],
    ['application/octet-stream', { 'content-type': 'application/octet-stream' }],
  ])('accepts a delivery with %s (Incode sample receivers take any type)', async (_name, headers) => {
    const res = await send('{"InterviewId":"i-1","ScrapingStatus":"FINISHED"}', headers);
    expect(res.status).toBe(200);
    expect(res.text).toBe('{"success":"true"}');
    expect(res.headers['content-type']).toBe('application/json');
    expect(await events()).toHaveLength(1);
  });

  it.each([
    ['an unfamiliar scraping status', '{"InterviewId":"i-2","ScrapingStatus":"FAILED"}', { type: 'ine_scraping', status: 'FAILED' }],
    ['a numeric externalId', '{"InterviewId":"i-3","ScrapingStatus":"FINISHED","externalId":123456}', { reference: '123456' }],
    [
      'an externalId past double precision',
      '{"InterviewId":"i-3b","ScrapingStatus":"FINISHED","externalId":12345678901234567891}',
      { reference: '12345678901234567891' },
    ],
    ['a null externalId', '{"InterviewId":"i-4","ScrapingStatus":"IN_PROGRESS","externalId":null}', { reference: null }],
    [
      'an onboarding status',
      '{"interviewId":"i-5","externalId":"c-5","onboardingStatus":"ONBOARDING_FINISHED","clientId":"acme"}',
      { type: 'onboarding_status', sessionId: 'i-5', reference: 'c-5', status: 'ONBOARDING_FINISHED' },
    ],
    ['anything else', '{"interviewId":"i-6","somethingElse":[1,2]}', { type: 'unrecognised', sessionId: 'i-6', status: null }],
  ])('stores %s', async (_name, body, expected) => {
    const res = await send(body);
    expect(res.status).toBe(200);
    expect((await events())[0]).toMatchObject({ provider: 'incode', integration: 'static-header', rawBody: body, ...expected });
  });

  it.each([
    [
      'nested deeper than 64 levels',
      `{"InterviewId":"i-d","ScrapingStatus":"FINISHED","x":${'['.repeat(64)}${']'.repeat(64)}}`,
      '',
      'nested deeper than 64 levels',
    ],
    ['a NUL in the InterviewId', '{"InterviewId":"i\\u0000d","ScrapingStatus":"FINISHED"}', 'sessionId', 'contains a NUL character'],
    [
      'a NUL in the externalId',
      '{"InterviewId":"i-n","ScrapingStatus":"FINISHED","externalId":"c\\u0000"}',
      'reference',
      'contains a NUL character',
    ],
  ])('quarantines a body %s at intake (400 invalid_payload), before the database could refuse it', async (_name, body, path, message) => {
    const res = await send(body);
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ error: 'invalid_payload', issues: [{ path, message }] });
    expect(await events()).toHaveLength(0);
    expect((await h.store.listQuarantine({ limit: 5 })).items).toMatchObject([
      { provider: 'incode', reason: 'invalid_payload', rawBody: body },
    ]);
  });

  it('takes a body nested exactly 64 levels deep', async () => {
    const body = `{"InterviewId":"i-64","ScrapingStatus":"FINISHED","x":${'['.repeat(63)}${']'.repeat(63)}}`;
    expect((await send(body)).status).toBe(200);
  });

  it('refuses a declared non-JSON type with 415 and any Content-Encoding with 415', async () => {
    expect((await send('{}', { 'content-type': 'application/x-www-form-urlencoded' })).status).toBe(415);
    expect((await send('{}', { 'content-type': 'application/json', 'content-encoding': 'identity' })).status).toBe(415);
  });
});

describe('the samples `send veriff --kind` sends', () => {
  it.each(VERIFF_KINDS)('%s is classified as that kind, with the session and reference it was given', (kind) => {
    const classified = classifyVeriff(sampleVeriff(kind, { sessionId: 's-sample', vendorData: 'r-sample' }));
    expect(classified).toMatchObject({ ok: true, event: { type: kind, sessionId: 's-sample', reference: 'r-sample', recognised: true } });
  });
});
