import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN } from './helpers/harness.js';
import { cli } from './helpers/cli.js';
import { veriffHeaders, veriffPayload } from './helpers/fixtures.js';
import { FORWARD_SECRET, startForwardReceiver, type ForwardReceiver } from './helpers/forward-receiver.js';
import { deleteStream, NATS_URL, natsAvailable, readStream } from './helpers/nats.js';
import { startProcess, type ServiceProcess } from './helpers/service-process.js';
import { tempDir } from './helpers/harness.js';
import { waitFor } from './helpers/wait-for.js';
import { fetcherSettings, sampleScore, sampleVerification, startFakeVendorApis } from './helpers/fake-vendor-apis.js';

const SECRET = 'forward-service-veriff-secret';

/** The built service forwarding to a real HTTP receiver and (where it runs) the real NATS server. */
describe('the service forwarding what it stores (built process)', () => {
  let service: ServiceProcess;
  let receiver: ForwardReceiver;
  let env: Record<string, string>;
  const tmp = tempDir();
  const name = randomBytes(6).toString('hex');
  const stream = `TEST_${name}`;

  const deliver = async (payload = veriffPayload()) => {
    const body = JSON.stringify(payload);
    const res = await fetch(`${service.url}/webhooks/veriff`, { method: 'POST', headers: veriffHeaders(body, SECRET), body });
    expect(res.status).toBe(200);
    return payload;
  };
  const admin = async (path: string) => {
    const res = await fetch(`${service.adminUrl}${path}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(res.status).toBe(200);
    return res.json() as Promise<Record<string, unknown>>;
  };
  const sinks = async () => (await admin('/sinks')) as { sinks: Record<string, unknown>[]; parked: { items: Record<string, unknown>[] } };

  beforeAll(async () => {
    receiver = await startForwardReceiver();
    env = {
      DATA_DIR: tmp.dir,
      VERIFF_SHARED_SECRET: SECRET,
      ADMIN_TOKEN,
      FORWARD_URL: receiver.url,
      FORWARD_SECRET,
      FORWARD_TIMEOUT_MS: '1000',
      FORWARD_BACKOFF_MAX_MS: '1000',
      FORWARD_MAX_ATTEMPTS: '3',
      ...(natsAvailable ? { NATS_URL, NATS_STREAM: stream, NATS_SUBJECT_PREFIX: `test.${name}` } : {}),
    };
    service = await startProcess(env);
  });
  afterAll(async () => {
    await service?.stop();
    await receiver.stop();
    if (natsAvailable) await deleteStream(stream);
    tmp.remove();
  });

  it('forwards each new delivery to every sink, and shows it on /sinks, /metrics and `ine-webhooks sinks`', async () => {
    const sent = [await deliver(), await deliver(), await deliver()];
    await deliver(sent[1]); // a redelivery: stored once, forwarded once
    await waitFor('three forwarded', () => receiver.received.length >= 3);
    expect(receiver.received.map((r) => r.sessionId)).toEqual(sent.map((p) => p.sessionId));
    expect(service.lines.find((l) => l.msg === 'outbox relay started: forwarding and follow-up fetches')?.targets).toContain(
      `http ${receiver.url}`,
    );
    const expected = natsAvailable ? ['http', 'nats'] : ['http'];
    await waitFor('settled', async () => (await sinks()).sinks.every((s) => s.delivered === 3));
    const report = await sinks();
    expect(report.sinks.map((s) => s.name)).toEqual(expected);
    expect(report.sinks[0]).toMatchObject({
      delivered: 3,
      pending: 0,
      parked: 0,
      failures: 0,
      lastError: null,
      target: `http ${receiver.url}`,
    });
    if (natsAvailable) {
      const messages = await readStream(stream);
      expect(messages.map((m) => m.event.sessionId)).toEqual(sent.map((p) => p.sessionId));
      expect(messages[0]!.subject).toBe(`test.${name}.veriff.ine_registry`);
    }
    const metrics = await (await fetch(`${service.adminUrl}/metrics`)).text();
    expect(metrics).toMatch(/^ine_webhooks_forward_delivered_total\{sink="http"\} 3$/m);
    expect(metrics).toMatch(/^ine_webhooks_forward_pending\{sink="http"\} 0$/m);
    expect(metrics).toMatch(/^ine_webhooks_forward_lag_seconds\{sink="http"\} 0$/m);
    const shown = cli(env, 'sinks', '--json');
    expect(shown.code).toBe(0);
    expect(JSON.parse(shown.out).sinks[0]).toMatchObject({ name: 'http', delivered: 3 });
  });

  it('keeps answering 200 while the HTTP sink is down; parks after the attempts; `redrive --all` sends them once it is back', async () => {
    await receiver.stop();
    const before = receiver.received.length;
    const sent = [await deliver(), await deliver()];
    const parked = await waitFor('parked', async () => {
      const r = await sinks();
      return r.parked.items.length === 1 ? r : undefined;
    });
    // The head is parked after 3 attempts; the next one then waits its turn behind it, pending or parked too.
    expect(parked.parked.items[0]).toMatchObject({
      sink: 'http',
      attempts: 3,
      sessionId: sent[0]!.sessionId,
      lastError: 'request failed: ECONNREFUSED',
    });
    const failures = service.lines.filter((l) => l.msg === 'forwarding failed; will retry' && l.sink === 'http');
    expect(failures.length).toBeGreaterThanOrEqual(2);
    expect(JSON.stringify(service.lines)).not.toContain(String(sent[0]!.vendorData));
    await waitFor('both parked', async () => (await sinks()).parked.items.length === 2);
    const table = cli(env, 'sinks', '--json');
    expect(JSON.parse(table.out).parked.items.map((p: { sessionId: string }) => p.sessionId)).toEqual(sent.map((p) => p.sessionId));

    await receiver.start();
    const redriven = cli(env, 'redrive', '--all', '--sink', 'http');
    expect(redriven.code).toBe(0);
    expect(redriven.out).toContain('queued again: 2 parked item(s) (sink http)');
    await waitFor('redriven ones delivered', () => receiver.received.length >= before + 2);
    expect(receiver.received.slice(before).map((r) => r.sessionId)).toEqual(sent.map((p) => p.sessionId));
    expect(cli(env, 'redrive', '--id', 'no-such-event').code).toBe(1);
    expect(cli(env, 'redrive').code).toBe(2);
  });
});

/** The built service fetching from local fakes of Incode's and Veriff's APIs, as an operator would configure it. */
describe('the service fetching what the vendors announce (built process)', () => {
  let service: ServiceProcess;
  let api: Awaited<ReturnType<typeof startFakeVendorApis>>;
  const tmp = tempDir();

  beforeAll(async () => {
    api = await startFakeVendorApis(SECRET);
    service = await startProcess({
      DATA_DIR: tmp.dir,
      VERIFF_SHARED_SECRET: SECRET,
      INCODE_HEADER_NAME: 'x-webhook-secret',
      INCODE_HEADER_SECRET: 'forward-service-incode-secret',
      ADMIN_TOKEN,
      ...fetcherSettings(api.url, 1),
    });
  });
  afterAll(async () => {
    await service?.stop();
    await api.close();
    tmp.remove();
  });

  type View = { state: { incodeScore: { status: string } | null; veriffDecision: string | null }; queued: unknown[] };
  const admin = async (path: string) =>
    (await (await fetch(`${service.adminUrl}${path}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).json()) as View;

  it('stores the Incode score of each FINISHED interview (one log-in) and reconciles a Veriff decision that never came', async () => {
    api.scores.set('I-fail', sampleScore('FAIL'));
    api.decisions.set('S-lost', sampleVerification('S-lost', 'declined'));
    for (const id of ['I-ok', 'I-fail']) {
      const body = JSON.stringify({ InterviewId: id, externalId: 'cust-9', ScrapingStatus: 'FINISHED' });
      const res = await fetch(`${service.url}/webhooks/incode/ine-scraping`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-webhook-secret': 'forward-service-incode-secret' },
        body,
      });
      expect(res.status).toBe(200);
    }
    const submitted = JSON.stringify({
      id: 'S-lost',
      attemptId: 'a-1',
      feature: 'selfid',
      code: 7002,
      action: 'submitted',
      vendorData: 'cust-9',
    });
    expect(
      (await fetch(`${service.url}/webhooks/veriff`, { method: 'POST', headers: veriffHeaders(submitted, SECRET), body: submitted }))
        .status,
    ).toBe(200);

    const failed = await waitFor('the FAIL score', async () => {
      const view = await admin('/sessions/I-fail');
      return view.state.incodeScore ? view : undefined;
    });
    expect(failed.state).toMatchObject({ incode: 'FINISHED', incodeScore: { status: 'FAIL', modules: { governmentValidation: 'FAIL' } } });
    await waitFor('the OK score', async () => (await admin('/sessions/I-ok')).state.incodeScore);
    expect(api.logins()).toBe(1);
    const decided = await waitFor('the reconciled decision', async () => {
      const view = await admin('/sessions/S-lost');
      // The decision is stored first, then its outbox item is settled.
      return view.state.veriffDecision && view.queued.length === 0 ? view : undefined;
    });
    expect(decided.state).toMatchObject({ veriffDecision: 'declined' });
    expect(decided.queued).toEqual([]);
    expect(service.lines.find((l) => l.msg === 'outbox relay started: forwarding and follow-up fetches')?.targets).toEqual([
      `incode score ${api.url}/`,
      `veriff decisions ${api.url}/`,
    ]);
  });
});
