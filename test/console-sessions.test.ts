import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { generateAccessKey, hashAccessKey } from '../src/access/access-key.js';
import { activityOutcome, createActivityCounts } from '../src/activity/activity-counts.js';
import type { Role } from '../src/access/roles.js';
import { createReplay } from '../src/forward/replay.js';
import { configuredQueues } from '../src/configured-queues.js';
import { createAuditTrail } from '../src/access/audit-trail.js';
import { FULL_ENV, type Harness } from './helpers/harness.js';
import { HARNESS_BACKENDS } from './helpers/harness-backends.js';
import { newEvent } from './helpers/store-contract.js';
import { sendIncode, sendVeriff } from './helpers/send-delivery.js';
import { incodePayload, veriffPayload } from './helpers/fixtures.js';

const FORWARD_ENV = {
  ...FULL_ENV,
  FORWARD_URL: 'http://127.0.0.1:9/hooks',
  FORWARD_SECRET: `whsec_${Buffer.from('k'.repeat(32)).toString('base64')}`,
};

async function addKey(h: Harness, name: string, role: Role): Promise<string> {
  const key = generateAccessKey();
  await h.store.access.addKey({ name, role, hash: hashAccessKey(key), createdAt: new Date().toISOString(), createdBy: 'test' });
  return key;
}

/** A browser as supertest plays one: it keeps cookies; `signIn` goes through the form with its token. */
function browser(h: Harness) {
  const agent = request.agent(h.admin);
  const token = async (path: string) => /name="_csrf" value="([^"]+)"/.exec((await agent.get(path)).text)?.[1] ?? '';
  return {
    agent,
    token,
    async signIn(key: string) {
      const csrf = await token('/console/sign-in');
      return agent.post('/console/sign-in').type('form').send({ _csrf: csrf, key, next: '/console/sinks' });
    },
  };
}

for (const backend of HARNESS_BACKENDS) {
  describe.skipIf(backend.skip)(`console sign-in, sessions and replay (${backend.name})`, () => {
    let h: Harness;
    let drop: () => Promise<void>;
    afterEach(async () => {
      await h?.close();
      await drop?.();
    });

    it('a key becomes an HttpOnly, SameSite=Strict session cookie that ends after 30 idle minutes, at sign-out, or when the key is revoked', async () => {
      ({ h, drop } = await backend.open());
      const key = await addKey(h, 'ana', 'viewer');
      const b = browser(h);
      expect((await b.agent.get('/console/sinks')).headers.location).toBe('/console/sign-in?next=%2Fconsole%2Fsinks');

      const wrong = await b.signIn(generateAccessKey());
      expect(wrong.status).toBe(401);
      expect(wrong.text).toContain('That key is not valid');
      const refused = (await h.store.access.listAudit({ limit: 100 })).items.filter((r) => r.action === 'refused');
      expect(refused).toEqual([expect.objectContaining({ actor: 'unknown', outcome: 'unauthorized' })]);

      const signedIn = await b.signIn(key);
      expect(signedIn.status).toBe(303);
      expect(signedIn.headers.location).toBe('/console/sinks');
      const cookie = (signedIn.headers['set-cookie'] as unknown as string[]).find((c) => c.startsWith('ine_console='))!;
      expect(cookie).toMatch(/; Max-Age=1800; Path=\/; HttpOnly; SameSite=Strict$/);
      expect(JSON.stringify(h.logs.lines)).not.toContain(key);
      expect(JSON.stringify(h.logs.lines)).not.toContain(cookie.split(';')[0]!.split('=')[1]);
      expect((await b.agent.get('/console/sinks')).status).toBe(200);

      // 29 minutes idle, then a page: the session goes on, for 30 minutes from that page.
      h.clock.advance(29 * 60_000);
      expect((await b.agent.get('/console/sinks')).status).toBe(200);
      h.clock.advance(29 * 60_000);
      expect((await b.agent.get('/console/sinks')).status).toBe(200);
      h.clock.advance(30 * 60_000);
      expect((await b.agent.get('/console/sinks')).status).toBe(303);

      await b.signIn(key);
      expect((await b.agent.get('/console/sinks')).status).toBe(200);
      await h.store.access.revokeKey('ana');
      expect((await b.agent.get('/console/sinks')).status).toBe(303);

      const key2 = await addKey(h, 'bea', 'viewer');
      await b.signIn(key2);
      const csrf = await b.token('/console/sinks');
      const out = await b.agent.post('/console/sign-out').type('form').send({ _csrf: csrf });
      expect(out.headers.location).toBe('/console/sign-in');
      expect((await b.agent.get('/console/sinks')).status).toBe(303);
    });

    it('the SSO proxy signs people in with no form; the cookie is Secure behind a trusted HTTPS proxy', async () => {
      ({ h, drop } = await backend.open({
        ...FULL_ENV,
        AUTH_PROXY_HEADER: 'x-forwarded-email',
        AUTH_PROXY_CIDRS: '127.0.0.1/32,::1/128,::ffff:127.0.0.1/128',
        AUTH_PROXY_ROLES: 'ana@example.mx=admin,*@example.mx=viewer',
        TRUST_PROXY: 'loopback',
      }));
      const page = await request(h.admin).get('/console/audit').set('x-forwarded-email', 'ana@example.mx');
      expect(page.status).toBe(200);
      expect(page.text).toContain('<h1>Audit</h1>');
      expect(page.text).toContain('Signed in as ana@example.mx (admin)');
      expect(page.text).not.toContain('Sign out');
      const viewer = await request(h.admin).get('/console/audit').set('x-forwarded-email', 'leo@example.mx');
      expect(viewer.status).toBe(403);
      const stranger = await request(h.admin).get('/console/').set('x-forwarded-email', 'eve@evil.example');
      expect(stranger.status).toBe(403);

      const key = await addKey(h, 'carla', 'support');
      const b = browser(h);
      const csrf = await b.token('/console/sign-in');
      const secure = await b.agent.post('/console/sign-in').set('x-forwarded-proto', 'https').type('form').send({ _csrf: csrf, key });
      expect((secure.headers['set-cookie'] as unknown as string[]).find((c) => c.startsWith('ine_console='))).toContain('; Secure');
    });

    it('replay queues stored events for one sink in seq order, skipping blocked, erased and already-queued ones; a dry run counts the same', async () => {
      ({ h, drop } = await backend.open(FORWARD_ENV));
      const ids: string[] = [];
      for (let i = 0; i < 6; i++) {
        const e = newEvent({
          reference: `ref-${i}`,
          type: i % 2 === 0 ? 'decision' : 'ine_registry',
          receivedAt: `2026-11-2${i}T10:00:00.000Z`,
          outbox: [],
        });
        ids.push(e.id);
        await h.store.append(e);
      }
      await h.store.privacy.block(
        { kind: 'reference', id: 'ref-1' },
        { until: '2027-01-01T00:00:00.000Z', reason: 't', at: '2026-11-22T10:00:00.000Z', by: 'test' },
      );
      const audit = createAuditTrail(h.store.access, h.logger, h.clock);
      const replay = createReplay({ store: h.store, audit, clock: h.clock, sinks: configuredQueues(h.config, h.clock).sinkNames() });
      const admin = { actor: 'op', role: 'operator' as const, via: 'key' as const };

      await expect(replay(admin, { sink: 'nats' })).rejects.toMatchObject({ status: 400, code: 'unknown_sink' });
      expect(await replay(admin, { sink: 'http', type: 'decision', since: '2026-11-21T00:00:00.000Z', dryRun: true })).toBe(2);
      expect(await replay(admin, { sink: 'http', dryRun: true })).toBe(5);
      expect(await replay(admin, { sink: 'http', until: '2026-11-22T00:00:00.000Z' })).toBe(1);
      // The one already queued is not counted again.
      expect(await replay(admin, { sink: 'http', dryRun: true })).toBe(4);
      expect(await replay(admin, { sink: 'http' })).toBe(4);
      const due = await h.store.outbox.due('http', Date.parse('2030-01-01'), 100, true);
      expect(due.map((d) => d.event.id)).toEqual([ids[0], ids[2], ids[3], ids[4], ids[5]]);
      const records = (await h.store.access.listAudit({ limit: 10 })).items.filter((r) => r.action === 'replay');
      expect(records.map((r) => r.detail?.count)).toEqual([1, 4]);
      expect(h.logs.lines.filter((l) => (l.audit as { action?: string } | undefined)?.action === 'replay')).toHaveLength(2);
    });

    it('every page answers its role in both languages; subject actions ask for a reason, block, unblock, export; errors are pages', async () => {
      ({ h, drop } = await backend.open(FORWARD_ENV));
      await sendVeriff(h, veriffPayload({ sessionId: 'sess-pages', vendorData: 'cust-pages' })).expect(200);
      await sendIncode(h, incodePayload({ InterviewId: 'interview-pages', externalId: 'cust-pages' })).expect(200);
      await sendVeriff(h, '{"broken": ').expect(400);
      const b = browser(h);
      await b.signIn(await addKey(h, 'adm', 'admin'));
      const get = (path: string) => b.agent.get(path);
      const search = await get('/console/?q=cust-pages');
      expect(search.text).toContain('2 sessions');
      expect(search.text).toContain('href="/console/session/sess-pages"');
      expect((await get('/console/?q=interview-pages')).text).toContain('1 session');
      expect((await get('/console/?q=nothing-here')).text).toContain('Nothing is stored under “nothing-here”.');
      const session = await get('/console/session/interview-pages');
      expect(session.text).toContain('<h1>Session interview-pages</h1>');
      expect(session.text).toContain('FINISHED');
      expect((await get('/console/session/nope')).status).toBe(404);
      expect((await get('/console/quarantine')).text).toContain('invalid_json');
      expect((await get('/console/activity?vendor=veriff')).text).toContain('<h1>Activity</h1>');
      expect((await get('/console/audit?actor=adm')).text).toContain('read_payload');
      expect((await get('/console/sinks')).text).toContain('Replay: http');
      expect((await get('/console/nowhere')).status).toBe(404);
      const es = await get('/console/sinks?lang=es-MX');
      expect(es.status).toBe(303);
      expect((await get('/console/sinks')).text).toContain('<h1>Destinos</h1>');
      await get('/console/sinks?lang=en');

      const subjectPage = await get('/console/subject?kind=reference&id=cust-pages');
      expect(subjectPage.text).toContain('2 event(s) stored, 0 erased, 0 blocked.');
      expect((await get('/console/subject?kind=reference&id=unknown-ref')).text).toContain('Nothing is stored for this subject.');
      const csrf = await b.token('/console/subject');
      const post = (action: string, fields: Record<string, string>) =>
        b.agent
          .post(`/console/subject/${action}`)
          .type('form')
          .send({ _csrf: csrf, kind: 'reference', id: 'cust-pages', ...fields });
      const noReason = await post('block', { until: '2030-01-01' });
      expect(noReason.status).toBe(400);
      expect(noReason.text).toContain('reason: required');
      expect((await post('block', { until: '2020-01-01', 'reason-block': 'TICKET-1' })).text).toContain('must be a date in the future');
      expect((await post('block', { until: '2030-01-01', 'reason-block': 'TICKET-1' })).text).toContain('Blocked: 2 event(s).');
      expect((await get('/console/session/sess-pages')).text).toContain('Blocked: kept, shown to no one');
      expect((await post('export', { 'reason-export': 'TICKET-2' })).text).toContain(
        'The subject is blocked: unblock it before exporting.',
      );
      expect((await post('unblock', { 'reason-unblock': 'TICKET-3' })).text).toContain('Unblocked: 2 event(s).');
      const exported = await post('export', { 'reason-export': 'TICKET-4' });
      expect(exported.headers['content-disposition']).toContain('subject-export.json');
      expect(JSON.parse(exported.text)).toMatchObject({ subject: { reference: 'cust-pages' } });
      const trail = (await h.store.access.listAudit({ actor: 'adm', limit: 100 })).items.map((r) => [r.action, r.reason]);
      expect(trail).toEqual(
        expect.arrayContaining([
          ['block', 'TICKET-1'],
          ['unblock', 'TICKET-3'],
          ['export', 'TICKET-4'],
        ]),
      );

      const replayCsrf = await b.token('/console/sinks');
      const confirm = await b.agent
        .post('/console/sinks/replay')
        .type('form')
        .send({ _csrf: replayCsrf, sink: 'http', 'since-http': 'yesterday' });
      expect(confirm.status).toBe(400);
      expect(confirm.text).toContain('since: must be a date and time');
    });

    it('activity counts of two replicas add up in the store, per hour, vendor and outcome', async () => {
      ({ h, drop } = await backend.open());
      const a = createActivityCounts(h.store.access, h.clock, h.logger);
      const b = createActivityCounts(h.store.access, h.clock, h.logger);
      a.record('veriff', 'accepted');
      a.record('veriff', 'accepted');
      b.record('veriff', 'accepted');
      b.record('incode', 'unauthorized');
      b.record('incode', 'aborted');
      await Promise.all([a.flush(), b.flush()]);
      h.clock.advance(3_600_000);
      a.record('veriff', 'invalid_json');
      await a.stop();
      const hour = Math.floor(h.clock.now() / 3_600_000);
      expect(await h.store.access.activity(hour - 1)).toEqual([
        { hour: hour - 1, provider: 'incode', outcome: 'refused', count: 1 },
        { hour: hour - 1, provider: 'veriff', outcome: 'stored', count: 3 },
        { hour, provider: 'veriff', outcome: 'quarantined', count: 1 },
      ]);
      expect([activityOutcome('duplicate'), activityOutcome('too_large'), activityOutcome('store_unavailable')]).toEqual([
        'duplicate',
        'refused',
        null,
      ]);
    });
  });
}
