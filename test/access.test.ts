import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { generateAccessKey, hashAccessKey } from '../src/access/access-key.js';
import { ROLES, type Role } from '../src/access/roles.js';
import type { EventStore } from '../src/store/event-store.js';
import { incodePayload, veriffPayload } from './helpers/fixtures.js';
import { ADMIN_TOKEN, FULL_ENV, type Harness } from './helpers/harness.js';
import { HARNESS_BACKENDS } from './helpers/harness-backends.js';
import { sendIncode, sendVeriff } from './helpers/send-delivery.js';
import { newEvent } from './helpers/store-contract.js';

/** The admin app on a real listener (dual-stack, so a test can come from 127.0.0.1 or ::1). */
async function listen(h: Harness): Promise<{ url: (host?: string) => string; close(): Promise<void> }> {
  const server: Server = createServer(h.admin);
  await new Promise<void>((resolve) => server.listen(0, '::', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: (host = '127.0.0.1') => `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

const backends = HARNESS_BACKENDS;

/** A key of each role, added to the store as `keys add` does. */
async function keysOfEachRole(store: EventStore): Promise<Record<Role, string>> {
  const keys = {} as Record<Role, string>;
  for (const role of ROLES) {
    keys[role] = generateAccessKey();
    await store.access.addKey({
      name: `${role}-1`,
      role,
      hash: hashAccessKey(keys[role]),
      createdAt: new Date().toISOString(),
      createdBy: 'test',
    });
  }
  return keys;
}

for (const backend of backends) {
  describe.skipIf(backend.skip)(`people and roles on the admin listener (${backend.name})`, () => {
    let h: Harness;
    let drop: () => Promise<void>;
    let server: Awaited<ReturnType<typeof listen>>;
    afterEach(async () => {
      await server?.close();
      await h?.close();
      await drop?.();
    });

    const readPayloadRecords = async (actor: string) =>
      (await h.store.access.listAudit({ actor, limit: 1000 })).items.filter((r) => r.action === 'read_payload');

    it('gives each role what the table says, on every admin route, and records each payload read once, naming the actor', async () => {
      ({ h, drop } = await backend.open());
      server = await listen(h);
      const keys = await keysOfEachRole(h.store);
      const payload = veriffPayload({ vendorData: 'cust-roles', sessionId: 'sess-roles' });
      expect((await sendVeriff(h, payload)).status).toBe(200);
      expect((await sendIncode(h, incodePayload({ InterviewId: 'sess-roles', externalId: 'cust-roles' }))).status).toBe(200);
      expect((await sendVeriff(h, veriffPayload({ sessionId: 7 }))).status).toBe(400);
      const [event] = (await h.store.listEvents({ sessionId: 'sess-roles', provider: 'veriff', limit: 1 })).items;
      const [quarantined] = (await h.store.listQuarantine({ limit: 1 })).items;

      const ask = (key: string, method: string, path: string, body?: unknown) =>
        fetch(`${server.url()}${path}`, {
          method,
          headers: { authorization: `Bearer ${key}`, ...(body ? { 'content-type': 'application/json' } : {}) },
          body: body ? JSON.stringify(body) : undefined,
        });
      /** [method, path, body, the least role allowed, whether a viewer gets it with payloads withheld]. */
      const routes: [string, string, unknown, Role, boolean][] = [
        ['GET', '/events?reference=cust-roles', undefined, 'viewer', true],
        ['GET', `/events/${event!.id}`, undefined, 'viewer', true],
        ['GET', `/events/${event!.id}/payload`, undefined, 'support', false],
        ['GET', '/sessions/sess-roles', undefined, 'viewer', true],
        ['GET', '/sessions?reference=cust-roles', undefined, 'viewer', true],
        ['GET', '/quarantine', undefined, 'viewer', true],
        ['GET', `/quarantine/${quarantined!.id}`, undefined, 'viewer', true],
        ['GET', '/sinks', undefined, 'viewer', false],
        ['POST', '/sinks/redrive', { all: true }, 'operator', false],
        ['GET', '/subjects/export?reference=cust-roles&reason=ticket%201', undefined, 'support', false],
        ['POST', '/subjects/unblock', { reference: 'cust-roles', reason: 'ticket 1' }, 'admin', false],
        ['GET', '/keys', undefined, 'admin', false],
        ['GET', '/audit', undefined, 'admin', false],
      ];
      const secretBytes = JSON.stringify(payload.data);
      for (const role of ROLES) {
        for (const [method, path, body, least, withholds] of routes) {
          const before = (await readPayloadRecords(`${role}-1`)).length;
          const res = await ask(keys[role], method, path, body);
          const text = await res.text();
          const allowed = ROLES.indexOf(role) >= ROLES.indexOf(least);
          expect({ role, path, status: res.status }).toEqual({ role, path, status: allowed ? 200 : 403 });
          if (!allowed) {
            expect(JSON.parse(text)).toEqual({ error: 'forbidden', needs: least });
            continue;
          }
          const seesPayloads = withholds && role !== 'viewer';
          if (withholds && role === 'viewer') {
            // Metadata, with the payload left out and marked; never the bytes.
            expect(text).toContain('"payloadWithheld":true');
            expect(text).not.toContain('"payload":');
            expect(text).not.toContain('"rawBody"');
            expect(text).not.toContain('La credencial es v');
          }
          if (seesPayloads) expect(text).not.toContain('payloadWithheld');
          if (path.endsWith('/payload')) expect(text).toBe(JSON.stringify(payload));
          if (path.startsWith('/events') || path.startsWith('/sessions')) {
            expect(text.includes(secretBytes) || text.includes(JSON.stringify(secretBytes).slice(1, -1))).toBe(
              seesPayloads || path.endsWith('/payload'),
            );
          }
          const after = await readPayloadRecords(`${role}-1`);
          expect({ path, records: after.length - before }).toEqual({
            path,
            records: seesPayloads || (allowed && path.endsWith('/payload')) ? 1 : 0,
          });
        }
      }
      // Each payload read names its actor, role and subject; the refusals are recorded too.
      const support = await readPayloadRecords('support-1');
      expect(support.map((r) => r.subject)).toEqual([
        'cust-roles',
        event!.id,
        event!.id,
        'sess-roles',
        'cust-roles',
        null,
        quarantined!.id,
      ]);
      expect(support.every((r) => r.role === 'support' && r.outcome === 'ok')).toBe(true);
      const refused = (await h.store.access.listAudit({ actor: 'viewer-1', limit: 100 })).items.filter((r) => r.action === 'refused');
      expect(refused.map((r) => r.detail?.path)).toEqual([
        `/events/${event!.id}/payload`,
        '/sinks/redrive',
        '/subjects/export',
        '/subjects/unblock',
        '/keys',
        '/audit',
      ]);
      // One log line per audit record; no key and no hash of one in any line.
      const auditLines = h.logs.lines.filter((l) => 'audit' in l);
      expect(auditLines.length).toBe((await h.store.access.listAudit({ limit: 1000 })).items.length);
      for (const key of Object.values(keys)) {
        expect(h.logs.text()).not.toContain(key);
        expect(h.logs.text()).not.toContain(hashAccessKey(key));
      }
    });

    it('refuses a missing, unknown or revoked key with 401, and records who was refused', async () => {
      ({ h, drop } = await backend.open());
      server = await listen(h);
      const keys = await keysOfEachRole(h.store);
      const get = (key?: string) => fetch(`${server.url()}/sinks`, { headers: key ? { authorization: `Bearer ${key}` } : {} });
      expect((await get(keys.viewer)).status).toBe(200);
      expect(await h.store.access.revokeKey('viewer-1')).toBe(true);
      const revoked = await get(keys.viewer);
      expect(revoked.status).toBe(401);
      expect(revoked.headers.get('www-authenticate')).toBe('Bearer');
      expect(await revoked.json()).toEqual({ error: 'unauthorized' });
      expect((await get()).status).toBe(401);
      expect((await get(generateAccessKey())).status).toBe(401);
      const refused = (await h.store.access.listAudit({ actor: 'unknown', limit: 10 })).items;
      expect(refused.map((r) => [r.action, r.outcome, r.detail?.why])).toEqual([
        ['refused', 'unauthorized', 'unknown or revoked key'],
        ['refused', 'unauthorized', 'no bearer key'],
        ['refused', 'unauthorized', 'unknown or revoked key'],
      ]);
      // The key's last use is kept, for keys list.
      const [support] = (await h.store.access.listKeys()).filter((k) => k.name === 'support-1');
      expect(support!.lastUsedAt).toBeNull();
      expect((await get(keys.support)).status).toBe(200);
      await expect.poll(async () => (await h.store.access.listKeys()).find((k) => k.name === 'support-1')!.lastUsedAt).not.toBeNull();
      // ADMIN_TOKEN stays a break-glass admin named admin-token.
      const audit = await fetch(`${server.url()}/audit?actor=admin-token`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
      expect(audit.status).toBe(200);
      expect(await audit.json()).toEqual({ records: [], next: null });
    });

    it('manages keys over the API as admin: added once, listed without the key, revoked; each change audited', async () => {
      ({ h, drop } = await backend.open());
      server = await listen(h);
      const admin = { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' };
      const added = await fetch(`${server.url()}/keys`, {
        method: 'POST',
        headers: admin,
        body: JSON.stringify({ name: 'ana', role: 'support' }),
      });
      expect(added.status).toBe(201);
      const { key } = (await added.json()) as { key: string };
      expect(key).toMatch(/^inek_[A-Za-z0-9_-]{43}$/);
      const again = await fetch(`${server.url()}/keys`, {
        method: 'POST',
        headers: admin,
        body: JSON.stringify({ name: 'ana', role: 'viewer' }),
      });
      expect(again.status).toBe(409);
      const bad = await fetch(`${server.url()}/keys`, {
        method: 'POST',
        headers: admin,
        body: JSON.stringify({ name: 'ana', role: 'root' }),
      });
      expect(bad.status).toBe(400);
      expect(((await bad.json()) as { error: string }).error).toBe('invalid_body');
      const list = await (await fetch(`${server.url()}/keys`, { headers: admin })).text();
      expect(JSON.parse(list).keys).toEqual([
        { name: 'ana', role: 'support', createdAt: expect.any(String), createdBy: 'admin-token', lastUsedAt: null },
      ]);
      expect(list).not.toContain(key);
      expect(list).not.toContain(hashAccessKey(key));
      expect((await fetch(`${server.url()}/events`, { headers: { authorization: `Bearer ${key}` } })).status).toBe(200);
      expect((await fetch(`${server.url()}/keys/ana`, { method: 'DELETE', headers: admin })).status).toBe(204);
      expect((await fetch(`${server.url()}/keys/ana`, { method: 'DELETE', headers: admin })).status).toBe(404);
      expect((await fetch(`${server.url()}/events`, { headers: { authorization: `Bearer ${key}` } })).status).toBe(401);
      const trail = (await (await fetch(`${server.url()}/audit?actor=admin-token`, { headers: admin })).json()) as {
        records: { action: string; subject: string; outcome: string }[];
      };
      expect(trail.records.map((r) => [r.action, r.subject, r.outcome])).toEqual([
        ['key_add', 'ana', 'ok'],
        ['key_add', 'ana', 'name_taken'],
        ['key_revoke', 'ana', 'ok'],
        ['key_revoke', 'ana', 'not_found'],
      ]);
      expect(h.logs.text()).not.toContain(key);
    });

    it('pages and filters GET /audit by actor and subject, oldest or newest first; bad parameters are 400', async () => {
      ({ h, drop } = await backend.open());
      server = await listen(h);
      for (let i = 0; i < 5; i += 1) {
        await h.store.access.audit({
          at: new Date().toISOString(),
          actor: i % 2 ? 'ana' : 'luis',
          role: 'support',
          action: 'read_payload',
          subject: `s-${i}`,
          reason: null,
          outcome: 'ok',
        });
      }
      const get = async (q: string) => fetch(`${server.url()}/audit${q}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
      const first = (await (await get('?limit=2')).json()) as { records: { subject: string }[]; next: string };
      expect(first.records.map((r) => r.subject)).toEqual(['s-0', 's-1']);
      const second = (await (await get(`?limit=2&after=${first.next}`)).json()) as { records: { subject: string }[] };
      expect(second.records.map((r) => r.subject)).toEqual(['s-2', 's-3']);
      const newest = (await (await get('?order=newest&actor=luis')).json()) as { records: { subject: string }[] };
      expect(newest.records.map((r) => r.subject)).toEqual(['s-4', 's-2', 's-0']);
      const one = (await (await get('?subject=s-3')).json()) as { records: { actor: string }[] };
      expect(one.records.map((r) => r.actor)).toEqual(['ana']);
      for (const q of ['?limit=0', '?after=x', '?order=sideways', '?unknown=1']) expect((await get(q)).status).toBe(400);
    });

    it('takes the SSO proxy identity from AUTH_PROXY_CIDRS only, with the role AUTH_PROXY_ROLES gives it', async () => {
      ({ h, drop } = await backend.open({
        ...FULL_ENV,
        AUTH_PROXY_HEADER: 'X-Forwarded-Email',
        AUTH_PROXY_CIDRS: '127.0.0.1/32',
        AUTH_PROXY_ROLES: 'ana@example.mx=admin,*@example.mx=viewer',
      }));
      server = await listen(h);
      await sendVeriff(h, veriffPayload({ sessionId: 'sess-sso' }));
      const as = (email: string, host = '127.0.0.1', path = '/sessions/sess-sso') =>
        fetch(`${server.url(host)}${path}`, { headers: { 'x-forwarded-email': email } });
      const ana = await as('ana@example.mx');
      expect(ana.status).toBe(200);
      expect(await ana.text()).toContain('"payload":');
      const luis = await as('Luis@Example.mx');
      expect(luis.status).toBe(200);
      expect(await luis.text()).toContain('"payloadWithheld":true');
      expect((await as('luis@example.mx', '127.0.0.1', '/audit')).status).toBe(403);
      // No rule matches: 403, recorded under that identity.
      const stranger = await as('eve@evil.example');
      expect(stranger.status).toBe(403);
      // The same header from an address that is not the proxy's is ignored: no key, so 401.
      expect((await as('ana@example.mx', '::1')).status).toBe(401);
      const trail = (await h.store.access.listAudit({ limit: 100 })).items.map((r) => [r.actor, r.role, r.action, r.outcome]);
      expect(trail).toEqual([
        ['ana@example.mx', 'admin', 'read_payload', 'ok'],
        ['luis@example.mx', 'viewer', 'refused', 'forbidden'],
        ['eve@evil.example', null, 'refused', 'forbidden'],
        ['unknown', null, 'refused', 'unauthorized'],
      ]);
    });

    it('keeps /metrics open and free of any label value a sender chooses', async () => {
      ({ h, drop } = await backend.open());
      server = await listen(h);
      await sendVeriff(h, veriffPayload({ eventType: 'x-evil-label' }), {
        headers: { 'x-auth-client': 'evil-client', 'content-type': 'application/evil+json' },
      });
      await sendVeriff(h, '{"broken', { headers: { 'x-request-id': 'evil-request' } });
      await sendIncode(h, incodePayload({ ScrapingStatus: 'EVIL_STATUS', externalId: 'evil-ref' }));
      await h.store.append(newEvent({ sessionId: 'evil-session' }));
      const metrics = await (await fetch(`${server.url()}/metrics`)).text();
      const values = [...metrics.matchAll(/\w+="([^"]*)"/g)].map((m) => m[1]);
      expect(values.length).toBeGreaterThan(0);
      expect(values.filter((v) => /evil/i.test(v!))).toEqual([]);
      // The service's own metrics: every label from a fixed set, every value one the service chose.
      const own = metrics.split('\n').filter((l) => l.startsWith('ine_webhooks_'));
      const labels = new Set(own.flatMap((l) => [...l.matchAll(/[{,](\w+)="/g)].map((m) => m[1])));
      expect([...labels].sort()).toEqual(
        ['backend', 'le', 'outcome', 'provider', 'reason', 'result', 'sink', 'version'].filter((l) => labels.has(l)),
      );
      expect(labels.has('provider') && labels.has('outcome')).toBe(true);
    });
  });
}
