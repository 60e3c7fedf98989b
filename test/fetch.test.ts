import request from 'supertest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { ConfigError } from '../src/errors.js';
import { configuredQueues } from '../src/configured-queues.js';
import { QUEUE_NAMES } from '../src/outbox/queues.js';
import { eventId } from '../src/providers/event-id.js';
import { incodePayload } from './helpers/fixtures.js';
import { sendIncode, sendVeriff } from './helpers/send-delivery.js';
import {
  EXECUTIVE,
  INCODE_API_KEY,
  fetcherSettings,
  sampleScore,
  sampleVerification,
  startFakeVendorApis,
  VERIFF_API_KEY,
} from './helpers/fake-vendor-apis.js';
import { ADMIN_TOKEN, captureLogs, FULL_ENV, harness, VERIFF_SECRET, type Harness } from './helpers/harness.js';
import { waitFor } from './helpers/wait-for.js';
import { cli } from './helpers/cli.js';
import { redriveCommand, sinksCommand } from '../src/cli/sinks.js';

type Api = Awaited<ReturnType<typeof startFakeVendorApis>>;

const admin = (h: Harness, path: string) => request(h.admin).get(path).set('authorization', `Bearer ${ADMIN_TOKEN}`);
const scores = async (h: Harness) =>
  (await h.store.listEvents({ provider: 'incode', limit: 1000 })).items.filter((e) => e.type === 'score');
const sinkFigures = async (h: Harness, name: string) =>
  ((await admin(h, '/sinks')).body.sinks as { name: string }[]).find((s) => s.name === name) as Record<string, unknown> | undefined;

function fetchEnv(api: Api, extra: Record<string, string> = {}): Record<string, string> {
  return {
    ...FULL_ENV,
    ...fetcherSettings(api.url, 600),
    FORWARD_TIMEOUT_MS: '300',
    FORWARD_BACKOFF_MAX_MS: '1000',
    ...extra,
  };
}

describe('follow-up fetches: settings', () => {
  it('are off unless configured, and a half-configured fetcher is a start-up error naming what is missing', () => {
    expect(loadConfig(FULL_ENV).fetch).toEqual({ incode: undefined, veriff: undefined });
    const problems = (env: Record<string, string>) => {
      try {
        loadConfig(env);
        return [];
      } catch (error) {
        return (error as ConfigError).problems;
      }
    };
    expect(problems({ ...FULL_ENV, INCODE_API_URL: 'https://api.example.com', INCODE_API_KEY: 'k' })).toEqual([
      'INCODE_EXECUTIVE_EMAIL: required for the Incode score fetch when INCODE_API_URL and INCODE_API_KEY are set',
      'INCODE_EXECUTIVE_PASSWORD: required for the Incode score fetch when INCODE_API_URL and INCODE_API_KEY are set',
    ]);
    expect(problems({ ...FULL_ENV, VERIFF_API_URL: 'https://stationapi.veriff.com' })).toEqual([
      'VERIFF_API_KEY: required for the Veriff decision reconciliation when VERIFF_API_URL and VERIFF_SHARED_SECRET are set',
    ]);
    const { VERIFF_SHARED_SECRET: _unused, ...withoutSecret } = FULL_ENV;
    expect(problems({ ...withoutSecret, VERIFF_API_URL: 'https://stationapi.veriff.com', VERIFF_API_KEY: 'k' })).toEqual([
      'VERIFF_SHARED_SECRET: required for the Veriff decision reconciliation when VERIFF_API_URL and VERIFF_API_KEY are set',
    ]);
    expect(problems({ ...FULL_ENV, INCODE_API_URL: 'ftp://x' })[0]).toMatch(/^INCODE_API_URL: must be an http/);
  });

  it('every target the relay can drain is one the session views look up', async () => {
    const api = await startFakeVendorApis(VERIFF_SECRET);
    const h = await harness(
      fetchEnv(api, {
        FORWARD_URL: 'http://127.0.0.1:9/x',
        FORWARD_SECRET: `whsec_${Buffer.alloc(24, 1).toString('base64')}`,
        NATS_URL: 'nats://127.0.0.1:9',
      }),
    );
    try {
      const queues = configuredQueues(h.config, h.clock);
      const names = queues.targets(h.store).map((t) => t.name);
      expect(names).toEqual(['http', 'nats', 'incode-score', 'veriff-decision']);
      expect(QUEUE_NAMES).toEqual(expect.arrayContaining(names));
      expect(queues.sinkNames()).toEqual(['http', 'nats']);
    } finally {
      await h.close();
      await api.close();
    }
  });
});

describe("follow-up fetches against local fakes of the vendors' APIs", () => {
  let api: Api;
  let h: Harness;
  beforeEach(async () => {
    api = await startFakeVendorApis(VERIFF_SECRET);
    h = await harness(fetchEnv(api));
  });
  afterEach(async () => {
    await h.close();
    await api.close();
  });

  describe("Incode score fetch (against a local fake of Incode's API)", () => {
    it("stores each FINISHED interview's score, with its overall status, after one log-in for many fetches", async () => {
      api.scores.set('I-warn', sampleScore('WARN'));
      const ids = ['I-1', 'I-2', 'I-3', 'I-4', 'I-5', 'I-warn'];
      await Promise.all(ids.map((id) => sendIncode(h, incodePayload({ InterviewId: id, externalId: `cust-${id}` })).expect(200)));
      await sendIncode(h, incodePayload({ InterviewId: 'I-1', externalId: 'cust-I-1' })).expect(200); // a redelivery: no second fetch
      await sendIncode(h, incodePayload({ InterviewId: 'I-busy', ScrapingStatus: 'IN_PROGRESS' })).expect(200); // not finished: no fetch
      await waitFor('six scores', async () => (await scores(h)).length === 6);

      expect(api.logins()).toBe(1);
      expect(
        api
          .scoreCalls()
          .map((c) => c.path)
          .sort(),
      ).toEqual(ids.map((id) => `/omni/get/score?id=${id}`).sort());
      // Every call carried the headers Incode asks for (the fake answers anything else 400/401).
      expect(api.calls.every((c) => c.status === 200)).toBe(true);
      const login = api.calls.find((c) => c.path === '/executive/log-in')!;
      expect(JSON.parse(login.body)).toEqual(EXECUTIVE);
      expect(
        api.scoreCalls().every((c) => c.headers['x-incode-hardware-id'] === 'token-1' && c.headers['x-api-key'] === INCODE_API_KEY),
      ).toBe(true);

      const stored = await scores(h);
      const warn = stored.find((e) => e.sessionId === 'I-warn')!;
      expect(warn).toMatchObject({ provider: 'incode', type: 'score', status: 'WARN', reference: 'cust-I-warn', integration: 'score-api' });
      expect(warn.payload).toEqual(sampleScore('WARN'));
      expect(warn.id).toBe(eventId('incode', 'score', { InterviewId: 'I-warn', score: sampleScore('WARN') }));
      expect(stored.filter((e) => e.status === 'OK')).toHaveLength(5);

      const view = (await admin(h, '/sessions/I-warn')).body;
      expect(view.state).toMatchObject({
        incode: 'FINISHED',
        incodeScore: { status: 'WARN', modules: { idValidation: 'OK', liveness: 'OK', governmentValidation: 'WARN' } },
      });
      await waitFor('settled', async () => (await sinkFigures(h, 'incode-score'))?.delivered === 6);
      expect((await admin(h, '/sessions/I-warn')).body.queued).toEqual([]);
      const metrics = await h.metrics.registry.metrics();
      expect(metrics).toMatch(/^ine_webhooks_forward_delivered_total\{sink="incode-score"\} 6$/m);
      expect(metrics).toMatch(/^ine_webhooks_forward_pending\{sink="incode-score"\} 0$/m);
      expect(metrics).toMatch(/^ine_webhooks_forward_parked\{sink="incode-score"\} 0$/m);
      const shown = cli({ DATA_DIR: h.dataDir }, 'show', 'I-warn');
      expect(shown.out).toContain('Incode score: WARN (idValidation OK, liveness OK, governmentValidation WARN)');
    });

    it('logs in again when the token expires mid-run, and retries a 5xx with backoff until it succeeds', async () => {
      await sendIncode(h, incodePayload({ InterviewId: 'I-a' })).expect(200);
      await waitFor('first score', async () => (await scores(h)).length === 1);
      api.expireTokens();
      api.failScores = 2;
      await sendIncode(h, incodePayload({ InterviewId: 'I-b' })).expect(200);
      const failure = await waitFor('a failure', () => h.logs.lines.find((l) => l.msg === 'fetching the Incode score failed; will retry'));
      expect(failure).toMatchObject({ sink: 'incode-score', reason: 'Incode score answered HTTP 503', attempt: 1 });
      // The 401 made it log in again before the 503.
      expect(api.logins()).toBe(2);
      const pending = (await admin(h, '/sessions/I-b')).body.queued;
      expect(pending).toEqual([
        expect.objectContaining({ sink: 'incode-score', state: 'pending', attempts: 1, lastError: 'Incode score answered HTTP 503' }),
      ]);
      expect((await sinkFigures(h, 'incode-score'))!).toMatchObject({ pending: 1, failures: 1 });
      h.clock.advance(1000);
      await waitFor(
        'second failure',
        () => h.logs.lines.filter((l) => l.sink === 'incode-score' && String(l.msg).includes('failed')).length === 2,
      );
      h.clock.advance(2000);
      await waitFor('second score', async () => (await scores(h)).length === 2);
      expect(api.logins()).toBe(2);
      expect(h.logs.text()).not.toContain('token-');
      expect(h.logs.text()).not.toContain(EXECUTIVE.password);
    });

    it('counts an answer that is not UTF-8 JSON as a failed attempt (never stored with its bytes replaced), then stores the retry', async () => {
      api.garbled = 1;
      await sendIncode(h, incodePayload({ InterviewId: 'I-garbled' })).expect(200);
      const failure = await waitFor('a failure', () => h.logs.lines.find((l) => l.msg === 'fetching the Incode score failed; will retry'));
      expect(failure).toMatchObject({
        sink: 'incode-score',
        reason: 'Incode score answered something other than a JSON object',
        attempt: 1,
      });
      expect(await scores(h)).toEqual([]);
      expect((await sinkFigures(h, 'incode-score'))!).toMatchObject({ pending: 1, failures: 1 });
      h.clock.advance(2000);
      await waitFor('stored', async () => (await scores(h)).length === 1);
      const [score] = await scores(h);
      expect(score!.rawBody).toBe(JSON.stringify(sampleScore()));
      expect(score!.rawBody).not.toContain('\ufffd');
    });

    it('cuts off a slow API after FORWARD_TIMEOUT_MS, parks after FORWARD_MAX_ATTEMPTS, and a redrive fetches it', async () => {
      await h.close();
      h = await harness(fetchEnv(api, { FORWARD_MAX_ATTEMPTS: '2' }));
      api.scoreDelayMs = 600;
      await sendIncode(h, incodePayload({ InterviewId: 'I-slow' })).expect(200);
      const slow = await waitFor('a timeout', () => h.logs.lines.find((l) => l.sink === 'incode-score' && l.attempt === 1));
      expect(slow.reason).toBe('no answer within 300 ms');
      h.clock.advance(1000);
      await waitFor('parked', () => h.logs.lines.find((l) => l.sink === 'incode-score' && l.parked === true));
      const view = await waitFor('parked in the view', async () => {
        const body = (await admin(h, '/sessions/I-slow')).body;
        return body.queued[0]?.state === 'parked' ? body : undefined;
      });
      expect(view.queued).toEqual([expect.objectContaining({ sink: 'incode-score', state: 'parked', attempts: 2 })]);
      expect((await admin(h, '/sinks')).body.parked.items).toEqual([
        expect.objectContaining({ sink: 'incode-score', sessionId: 'I-slow' }),
      ]);
      expect(cli({ DATA_DIR: h.dataDir }, 'show', 'I-slow').out).toMatch(
        /incode-score for ine_scraping [0-9a-f]{12}…: parked after 2 attempt\(s\) \(last: no answer within 300 ms\)/,
      );

      const metrics = await h.metrics.registry.metrics();
      expect(metrics).toMatch(/^ine_webhooks_forward_parked\{sink="incode-score"\} 1$/m);
      expect(metrics).toMatch(/^ine_webhooks_forward_failed_total\{sink="incode-score"\} 2$/m);
      // The ops commands, in this process (their process-level behaviour is tested with the built service).
      const lines: string[] = [];
      const ctx = {
        config: h.config,
        out: (l: string) => lines.push(l),
        err: (l: string) => lines.push(l),
        isTty: true,
        logger: captureLogs().logger,
      };
      expect(await sinksCommand(ctx, [])).toBe(0);
      expect(lines.find((l) => l.startsWith('incode-score'))).toMatch(/^incode-score\s+0\s+0\s+1\s+-\s+no answer within 300 ms/);
      expect(lines).toContain('parked (send again with: ine-webhooks redrive --id EVENT_ID, or --all):');
      lines.length = 0;
      expect(await sinksCommand({ ...ctx, isTty: false }, ['--sink', 'http'])).toBe(0);
      expect(JSON.parse(lines[0]!).parked.items).toEqual([]);
      api.scoreDelayMs = 0;
      lines.length = 0;
      expect(await redriveCommand(ctx, ['--sink', 'incode-score', '--all'])).toBe(0);
      expect(lines).toEqual(['queued again: 1 parked item(s) (sink incode-score); a running service sends them within seconds']);
      // The command dates the redrive by the system clock; the test's service runs on its own.
      h.clock.advance(Date.now() - h.clock.now() + 1000);
      await waitFor('fetched', async () => (await scores(h)).length === 1);
    });
  });

  describe("Veriff decision reconciliation (against a local fake of Veriff's API)", () => {
    const submitted = (id: string) => ({
      id,
      attemptId: `${id}-attempt-1`,
      feature: 'selfid',
      code: 7002,
      action: 'submitted',
      vendorData: 'customer-42',
    });

    it("asks for a submitted session's decision once the delay has passed, stores it as the webhook would be, and the late webhook is a duplicate", async () => {
      const verification = sampleVerification('S-lost');
      api.decisions.set('S-lost', verification);
      const slept = h.clock.timersSet();
      await sendVeriff(h, submitted('S-lost')).expect(200);
      // The commit pokes the relay: it looks, finds nothing due yet, and sleeps again on the clock.
      await waitFor('the relay looked and slept', () => h.clock.timersSet() > slept);
      expect(api.decisionCalls()).toHaveLength(0); // not before VERIFF_RECONCILE_AFTER_SECONDS
      expect((await admin(h, '/sessions/S-lost')).body.queued).toEqual([
        expect.objectContaining({ sink: 'veriff-decision', state: 'pending', attempts: 0 }),
      ]);
      h.clock.advance(600_000);
      await waitFor('the decision stored', async () => (await admin(h, '/sessions/S-lost')).body.state.veriffDecision === 'approved');
      const [call] = api.decisionCalls();
      expect(call).toMatchObject({ path: '/v1/sessions/S-lost/decision', status: 200 });
      expect(call!.headers['x-auth-client']).toBe(VERIFF_API_KEY);

      const decision = (await h.store.listEvents({ sessionId: 'S-lost', limit: 10 })).items.find((e) => e.type === 'decision')!;
      expect(decision).toMatchObject({
        integration: 'decision-api',
        status: 'approved',
        reference: 'customer-42',
        vendorTime: '2026-11-22T10:30:00.000Z',
      });
      // The webhook Veriff finally sends: the same event.
      const late = await sendVeriff(h, { status: 'success', verification, technicalData: { ip: '203.0.113.9' } }).expect(200);
      expect(late.body).toEqual({ status: 'success' });
      const again = (await h.store.getEvent(decision.id))!;
      expect(again.deliveries).toBe(2);
      expect(h.logs.requests().at(-1)).toMatchObject({ outcome: 'duplicate', eventId: decision.id });
    });

    it('with VERIFF_RECONCILE_AFTER_SECONDS=0 asks at once, and an undecided session a second later at the soonest', async () => {
      await h.close();
      h = await harness(fetchEnv(api, { VERIFF_RECONCILE_AFTER_SECONDS: '0' }));
      await sendVeriff(h, submitted('S-now')).expect(200);
      const line = await waitFor('asked at once', () =>
        h.logs.lines.find((l) => l.msg === 'reconciling the Veriff decision: not ready yet; will look again'),
      );
      expect(line.retryInMs).toBe(1000);
      api.decisions.set('S-now', sampleVerification('S-now'));
      h.clock.advance(1000);
      await waitFor('approved', async () => (await admin(h, '/sessions/S-now')).body.state.veriffDecision === 'approved');
      expect(api.decisionCalls()).toHaveLength(2);
    });

    it('asks nothing when the decision webhook came in time, and asks an undecided session again later without counting a failure', async () => {
      await sendVeriff(h, submitted('S-ok')).expect(200);
      await sendVeriff(h, { status: 'success', verification: sampleVerification('S-ok') }).expect(200);
      await sendVeriff(h, submitted('S-slow')).expect(200);
      h.clock.advance(600_000);
      await waitFor(
        'S-ok settled and S-slow asked',
        async () => api.decisionCalls().length === 1 && (await sinkFigures(h, 'veriff-decision'))?.delivered === 1,
      );
      expect(api.decisionCalls()[0]!.path).toBe('/v1/sessions/S-slow/decision');
      const line = await waitFor('not decided', () =>
        h.logs.lines.find((l) => l.msg === 'reconciling the Veriff decision: not ready yet; will look again'),
      );
      expect(line).toMatchObject({ reason: 'not decided yet', retryInMs: 600_000, level: 30 });
      expect((await sinkFigures(h, 'veriff-decision'))!).toMatchObject({ failures: 0, pending: 1 });

      api.decisions.set('S-slow', sampleVerification('S-slow', 'declined'));
      api.failDecisions = 1;
      h.clock.advance(600_000);
      const failed = await waitFor('a 502', () => h.logs.lines.find((l) => l.msg === 'reconciling the Veriff decision failed; will retry'));
      expect(failed.reason).toBe('Veriff decision API answered HTTP 502');
      h.clock.advance(1000);
      await waitFor('declined', async () => (await admin(h, '/sessions/S-slow')).body.state.veriffDecision === 'declined');
      expect(api.calls.every((c) => c.status !== 401)).toBe(true);
    });

    it('counts a decision answer that is not JSON as a failure, not as "not decided yet"', async () => {
      api.decisions.set('S-garbled', sampleVerification('S-garbled'));
      api.garbled = 1;
      await sendVeriff(h, submitted('S-garbled')).expect(200);
      h.clock.advance(600_000);
      const failed = await waitFor('a failure', () =>
        h.logs.lines.find((l) => l.msg === 'reconciling the Veriff decision failed; will retry'),
      );
      expect(failed.reason).toBe('Veriff decision API answered something other than JSON');
      expect((await sinkFigures(h, 'veriff-decision'))!).toMatchObject({ failures: 1, pending: 1 });
      h.clock.advance(2000);
      await waitFor('approved', async () => (await admin(h, '/sessions/S-garbled')).body.state.veriffDecision === 'approved');
      expect(api.decisionCalls()).toHaveLength(2);
    });
  });
});
