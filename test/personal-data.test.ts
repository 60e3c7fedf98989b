import { spawn, spawnSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { veriffHeaders } from './helpers/fixtures.js';
import { FORWARD_SECRET, startForwardReceiver } from './helpers/forward-receiver.js';
import { ADMIN_TOKEN, tempDir } from './helpers/harness.js';
import { CLI, cli } from './helpers/cli.js';
import { deleteStream, NATS_URL, natsAvailable, readStream } from './helpers/nats.js';
import { createSchema, PG_URL, postgresAvailable } from './helpers/postgres.js';
import { CLEAN_CWD, runToExit, startProcess, type ServiceProcess } from './helpers/service-process.js';
import { waitFor } from './helpers/wait-for.js';

const SECRET = 'personal-data-veriff-secret';
const key = () => randomBytes(32).toString('base64');
/** A CURP-shaped value no other test uses: the needle searched for in the files and the dump. */
const curp = () => `GODE${randomBytes(4).toString('hex').toUpperCase()}HDFRRN0${Math.floor(Math.random() * 10)}`;

/** A Veriff decision carrying a CURP, as Veriff sends one (person and document data in clear). */
const decision = (vendorData: string, id: string, curpValue: string) => ({
  status: 'success',
  verification: {
    id,
    attemptId: randomUUID(),
    vendorData,
    status: 'approved',
    code: 9001,
    decisionTime: new Date().toISOString(),
    person: { firstName: 'María', lastName: 'Pérez', idNumber: curpValue, dateOfBirth: '1956-12-31' },
    document: { number: 'IDMEX1234567', type: 'ID_CARD', country: 'MX' },
  },
});

interface Place {
  env: Record<string, string>;
  /** Every byte the store keeps at rest: the data folder's files, or a pg_dump of the schema. */
  atRest(): string;
  drop(): Promise<void>;
}

const backends = [
  {
    name: 'SQLite',
    skip: false,
    async place(): Promise<Place> {
      const tmp = tempDir('ine-pd-');
      return {
        env: { DATA_DIR: tmp.dir },
        atRest: () =>
          readdirSync(tmp.dir)
            .map((f) => readFileSync(path.join(tmp.dir, f)).toString('latin1'))
            .join('\n'),
        drop: async () => tmp.remove(),
      };
    },
  },
  {
    name: 'PostgreSQL',
    skip: !postgresAvailable,
    async place(): Promise<Place> {
      const schema = await createSchema();
      return {
        env: { DATABASE_URL: schema.url },
        atRest() {
          const dump = spawnSync('pg_dump', ['--dbname', PG_URL, '--schema', schema.schema], { encoding: 'latin1' });
          if (dump.status !== 0) throw new Error(`pg_dump failed: ${dump.stderr}`);
          expect(dump.stdout).toContain('CREATE TABLE');
          return dump.stdout;
        },
        drop: schema.drop,
      };
    },
  },
];

/** The ops command as a child that does not block this process (load goes on while it runs). */
function cliAsync(env: Record<string, string>, ...args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: CLEAN_CWD, env: { PATH: process.env.PATH ?? '', ...env } });
    let out = '';
    let err = '';
    child.stdout.on('data', (c) => (out += c));
    child.stderr.on('data', (c) => (err += c));
    child.on('close', (code) => resolve({ code, out, err }));
  });
}

for (const backend of backends) {
  describe.skipIf(backend.skip)(`personal data on ${backend.name} (built service, real listener)`, () => {
    const cleanups: (() => unknown)[] = [];
    let service: ServiceProcess | undefined;
    afterEach(async () => {
      if (service && service.child.exitCode === null) await service.stop('SIGKILL');
      service = undefined;
      for (const c of cleanups.splice(0).reverse()) await c();
    });

    const start = async (env: Record<string, string>) =>
      (service = await startProcess({ VERIFF_SHARED_SECRET: SECRET, ADMIN_TOKEN, LOG_LEVEL: 'info', ...env }));
    const deliver = async (payload: unknown, s = service!) => {
      const body = JSON.stringify(payload);
      const res = await fetch(`${s.url}/webhooks/veriff`, { method: 'POST', headers: veriffHeaders(body, SECRET), body });
      return { status: res.status, body, answer: await res.text() };
    };
    const admin = async (pathAndQuery: string, init: { method?: string; body?: unknown } = {}) => {
      const res = await fetch(`${service!.adminUrl}${pathAndQuery}`, {
        method: init.method ?? 'GET',
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...(init.body ? { 'content-type': 'application/json' } : {}) },
        body: init.body ? JSON.stringify(init.body) : undefined,
      });
      const text = await res.text();
      return { status: res.status, text, json: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
    };

    /** A place, a real HTTP receiver and (where NATS runs) a stream of its own, removed after the test. */
    const withSinks = async () => {
      const place = await backend.place();
      cleanups.push(place.drop);
      const receiver = await startForwardReceiver();
      cleanups.push(() => receiver.stop());
      const stream = `TEST_PD_${randomBytes(4).toString('hex')}`;
      if (natsAvailable) cleanups.push(() => deleteStream(stream));
      const sinkEnv = {
        FORWARD_URL: receiver.url,
        FORWARD_SECRET,
        ...(natsAvailable ? { NATS_URL, NATS_STREAM: stream, NATS_SUBJECT_PREFIX: 'pd' } : {}),
      };
      return { place, receiver, stream, sinkEnv };
    };

    it('with PAYLOAD_KEYS, a CURP is in no file at rest, yet every read and sink gets the exact bytes; a missing key stops the start', async () => {
      const { place, receiver, stream, sinkEnv } = await withSinks();
      const keys = `k1:${key()}`;
      await start({
        ...place.env,
        ...sinkEnv,
        PAYLOAD_KEYS: keys,
      });
      const needle = curp();
      const payload = decision('cust-sealed', randomUUID(), needle);
      const sent = await deliver(payload);
      expect(sent).toMatchObject({ status: 200, answer: '{"status":"success"}' });
      // A delivery that fails its schema is kept, sealed as well.
      const bad = await deliver({ verification: { id: 42, person: { idNumber: needle } } });
      expect(bad.status).toBe(400);

      const events = (await admin('/events?reference=cust-sealed')).json.events as { id: string }[];
      expect(events).toHaveLength(1);
      const exact = await admin(`/events/${events[0]!.id}/payload`);
      expect(exact.text).toBe(sent.body);
      const quarantined = (await admin('/quarantine')).json.items as { rawBody: string }[];
      expect(quarantined.map((q) => q.rawBody)).toEqual([bad.body]);
      await waitFor('the HTTP sink got it', () => receiver.received.find((r) => r.id === events[0]!.id));
      expect(receiver.received.find((r) => r.id === events[0]!.id)!.payload).toEqual(payload);
      if (natsAvailable) {
        const messages = await waitFor('NATS got it', async () => ((await readStream(stream)).length > 0 ? readStream(stream) : undefined));
        expect(messages[0]!.event.payload).toEqual(payload);
      }
      // At rest: not the CURP, not the name, in any file (or in the dump).
      const rest = place.atRest();
      expect(rest).not.toContain(needle);
      expect(rest).not.toContain('IDMEX1234567');
      expect(await service!.stop()).toBe(0);

      // The key that sealed them is gone from the settings: the start stops, naming it.
      const refused = await runToExit({
        ...place.env,
        VERIFF_SHARED_SECRET: SECRET,
        PORT: '0',
        ADMIN_PORT: '0',
        PAYLOAD_KEYS: `k2:${key()}`,
      });
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain('stored payloads are sealed with key "k1", which is not in PAYLOAD_KEYS');
      expect(refused.stderr).not.toMatch(/\n\s+at /);
    });

    it('rekey under load re-seals everything (bodies stored in clear before, and under the older key) and loses nothing', async () => {
      const place = await backend.place();
      cleanups.push(place.drop);
      const k1 = `k1:${key()}`;
      const k2 = `k2:${key()}`;
      const sent = new Map<string, string>();
      const clearNeedle = curp();
      const send = async (i: number, needle = curp()) => {
        const id = randomUUID();
        const res = await deliver(decision(`cust-rekey-${i % 7}`, id, needle));
        expect(res.status).toBe(200);
        sent.set(id, res.body);
      };
      await start({ ...place.env });
      await send(0, clearNeedle);
      for (let i = 1; i < 20; i += 1) await send(i);
      expect(place.atRest()).toContain(clearNeedle);
      await service!.stop();
      await start({ ...place.env, PAYLOAD_KEYS: k1 });
      for (let i = 20; i < 40; i += 1) await send(i);
      await service!.stop();
      const env = { ...place.env, PAYLOAD_KEYS: `${k2},${k1}`, VERIFF_SHARED_SECRET: SECRET };
      await start(env);
      // Deliveries keep coming while rekey runs, in small batches, beside the service.
      const rekey = cliAsync(env, 'rekey', '--batch', '7');
      let load = 40;
      const sending = (async () => {
        for (let done = false; !done;) {
          await Promise.all([send(load++), send(load++)]);
          done = load >= 140;
        }
      })();
      const [result] = await Promise.all([rekey, sending]);
      expect(result.code).toBe(0);
      expect(result.out).toMatch(/^re-sealed \d+ stored bodies under key k2; keys in use now: k2\n$/);
      expect(Number(/re-sealed (\d+)/.exec(result.out)![1])).toBeGreaterThanOrEqual(40);
      // Every delivery is there, once, with its exact bytes.
      const stored = new Map<string, string>();
      for (let after = '0'; ;) {
        const page = (await admin(`/events?limit=1000&after=${after}`)).json as {
          events: { payload: { verification: { id: string } }; rawBody: string }[];
          next: string | null;
        };
        for (const e of page.events) stored.set(e.payload.verification.id, e.rawBody);
        if (page.events.length === 0) break;
        after = page.next!;
      }
      expect(stored.size).toBe(140);
      expect(stored).toEqual(sent);
      await service!.stop();
      // k1 can go now, and the clear copy of the first body is gone from the files too.
      await start({ ...place.env, PAYLOAD_KEYS: k2 });
      expect((await admin('/events?limit=1')).status).toBe(200);
      expect(place.atRest()).not.toContain(clearNeedle);
    });

    it('erases a subject: no byte of its CURP left at rest even without encryption, redeliveries stay duplicates, the notice reaches every sink', async () => {
      const { place, receiver, stream, sinkEnv } = await withSinks();
      await start({ ...place.env, ...sinkEnv });
      const needle = curp();
      const session = randomUUID();
      const first = decision('cust-erase', session, needle);
      expect((await deliver(first)).status).toBe(200);
      // A second event of the same session that does not carry the reference, and a quarantined one naming the session.
      expect(
        (
          await deliver({
            id: session,
            attemptId: randomUUID(),
            feature: 'selfid',
            code: 7002,
            action: 'submitted',
            vendorData: null,
            note: needle,
          })
        ).status,
      ).toBe(200);
      expect((await deliver({ verification: { id: 7, sessionRef: session, person: { idNumber: needle } } })).status).toBe(400);
      const other = decision('cust-keep', randomUUID(), curp());
      expect((await deliver(other)).status).toBe(200);
      await waitFor('forwarded', () => receiver.received.length >= 3 || undefined);

      expect((await admin('/subjects/erase', { method: 'POST', body: { reference: 'cust-erase' } })).status).toBe(400);
      expect((await admin('/subjects/erase', { method: 'POST', body: { reference: 'nobody', reason: 'ticket 1' } })).status).toBe(404);
      const erased = await admin('/subjects/erase', {
        method: 'POST',
        body: { reference: 'cust-erase', reason: 'ARCO cancellation, ticket 77' },
      });
      expect(erased.status).toBe(200);
      expect(erased.json).toMatchObject({ reference: 'cust-erase', events: 2, quarantine: 1 });

      expect(place.atRest()).not.toContain(needle);
      const events = (await admin(`/events?sessionId=${session}`)).json.events as Record<string, unknown>[];
      expect(events).toHaveLength(2);
      for (const e of events) expect(e).toMatchObject({ payload: null, rawBody: null, erasedAt: erased.json.erasedAt, sessionId: session });
      expect(events.map((e) => e.status)).toEqual(['approved', 'submitted']);
      expect((await admin(`/events/${events[0]!.id as string}/payload`)).json).toEqual({
        error: 'payload_erased',
        erasedAt: erased.json.erasedAt,
      });
      const quarantined = (await admin('/quarantine')).json.items as { rawBody: string; erasedAt: string | null }[];
      expect(quarantined).toEqual([expect.objectContaining({ rawBody: '', erasedAt: erased.json.erasedAt })]);
      // Another customer's data is untouched.
      expect(((await admin('/events?reference=cust-keep')).json.events as { payload: unknown }[])[0]!.payload).toEqual(other);
      // A redelivery of an erased event is still a duplicate: 200, counted, nothing stored again.
      expect(await deliver(first)).toMatchObject({ status: 200 });
      const again = (await admin(`/events/${events[0]!.id}`)).json;
      expect(again).toMatchObject({ deliveries: 2, payload: null });
      expect(place.atRest()).not.toContain(needle);
      // The erasure notice: ids only, at every sink.
      const notice = await waitFor('the erasure notice at the HTTP sink', () => receiver.received.find((r) => r.type === 'erasure'));
      expect(notice.payload).toEqual({
        subject: { reference: 'cust-erase' },
        erasedAt: erased.json.erasedAt,
        reason: 'erasure',
        events: events.map((e) => e.id),
        quarantine: [expect.any(String)],
      });
      expect(JSON.stringify(notice)).not.toContain(needle);
      if (natsAvailable) {
        const messages = await waitFor('the erasure notice on NATS', async () =>
          (await readStream(stream)).find((m) => m.event.type === 'erasure'),
        );
        expect(messages.subject).toBe('pd.ine-webhooks.erasure');
      }
      const trail = (await admin('/audit?subject=cust-erase')).json.records as Record<string, unknown>[];
      expect(trail).toEqual([
        expect.objectContaining({ actor: 'admin-token', action: 'erase', reason: 'ARCO cancellation, ticket 77', outcome: 'ok' }),
      ]);
    });

    it('blocks a subject: payloads withheld from every read and export, held at the sink, new deliveries blocked too; unblock sends them', async () => {
      const place = await backend.place();
      cleanups.push(place.drop);
      const receiver = await startForwardReceiver();
      cleanups.push(() => receiver.stop());
      receiver.answer = 503;
      await start({ ...place.env, FORWARD_URL: receiver.url, FORWARD_SECRET, FORWARD_BACKOFF_MAX_MS: '1000' });
      const session = randomUUID();
      expect((await deliver(decision('cust-block', session, curp()))).status).toBe(200);
      const until = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
      expect(
        (await admin('/subjects/block', { method: 'POST', body: { reference: 'cust-block', until: '2001-01-01', reason: 'x' } })).status,
      ).toBe(400);
      const blocked = await admin('/subjects/block', { method: 'POST', body: { reference: 'cust-block', until, reason: 'ARCO ticket 9' } });
      expect(blocked.status).toBe(200);
      expect(blocked.json).toMatchObject({ reference: 'cust-block', events: 1 });
      // New deliveries for the subject: stored, answered as usual, blocked too (also one without the reference).
      expect((await deliver(decision('cust-block', randomUUID(), curp()))).status).toBe(200);
      expect(
        (await deliver({ id: session, attemptId: randomUUID(), feature: 'selfid', code: 7002, action: 'submitted', vendorData: null }))
          .status,
      ).toBe(200);
      expect((await deliver(decision('cust-free', randomUUID(), curp()))).status).toBe(200);

      const text = (await admin('/events?limit=100')).text;
      const listed = JSON.parse(text).events as Record<string, unknown>[];
      expect(listed.filter((e) => e.payloadBlocked === true)).toHaveLength(3);
      expect(listed.filter((e) => e.reference === 'cust-free')[0]).toHaveProperty('payload');
      expect((await admin(`/sessions/${session}`)).text).not.toContain('María');
      expect((await admin(`/events/${listed[0]!.id}/payload`)).status).toBe(409);
      expect((await admin('/subjects/export?reference=cust-block&reason=access%20request')).status).toBe(409);
      expect(cli({ ...place.env }, 'show', session, '--json').out).not.toContain('María');

      // The sink comes back: the free customer's event goes, the blocked ones are held.
      receiver.answer = 204;
      await waitFor(
        'the free event delivered',
        () =>
          receiver.received.find((r) => (r.payload as { verification?: { vendorData?: string } }).verification?.vendorData === 'cust-free'),
        15_000,
      );
      const httpSink = async () =>
        ((await admin('/sinks')).json.sinks as { name: string; held: number; pending: number }[]).find((s) => s.name === 'http')!;
      await waitFor('the delivery settled', async () => (await httpSink()).pending === 0 || undefined);
      expect(await httpSink()).toMatchObject({ held: 3, pending: 0 });
      expect(receiver.received.filter((r) => r.sessionId === session)).toEqual([]);

      const unblocked = await admin('/subjects/unblock', {
        method: 'POST',
        body: { reference: 'cust-block', reason: 'ticket 9 withdrawn' },
      });
      expect(unblocked.json).toMatchObject({ wasBlocked: true, events: 3 });
      await waitFor('held events sent after the unblock', () => receiver.firstArrivals().length >= 4 || undefined, 15_000);
      const exported = await admin('/subjects/export?reference=cust-block&reason=ARCO%20access%20ticket%2010');
      expect(exported.status).toBe(200);
      expect(exported.json).toMatchObject({ subject: { reference: 'cust-block' }, erasures: [], quarantine: [] });
      expect((exported.json.events as unknown[]).length).toBe(3);
      expect(exported.text).toContain('María');
      const trail = ((await admin('/audit?subject=cust-block')).json.records as { action: string; outcome: string }[]).map((r) => [
        r.action,
        r.outcome,
      ]);
      expect(trail).toEqual([
        ['block', 'ok'],
        ['export', 'refused_blocked'],
        ['unblock', 'ok'],
        ['export', 'ok'],
      ]);
    });
  });
}
