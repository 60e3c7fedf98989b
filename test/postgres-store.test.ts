import pg from 'pg';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { openPostgresStore } from '../src/store/postgres-store.js';
import type { EventStore } from '../src/store/event-store.js';
import { postRaw, veriffHeaders, veriffPayload } from './helpers/fixtures.js';
import { sendVeriff } from './helpers/send-delivery.js';
import { FULL_ENV, harness, VERIFF_SECRET, type Harness } from './helpers/harness.js';
import { createSchema, PG_URL, postgresAvailable, urlWithSchema } from './helpers/postgres.js';
import { newEvent, storeContract } from './helpers/store-contract.js';
import { startTcpProxy } from './helpers/tcp-proxy.js';

const clock = { now: () => Date.parse('2026-11-22T10:00:00Z') };
const open = (url: string, extra: Partial<Parameters<typeof openPostgresStore>[0]> = {}) =>
  openPostgresStore({ url, poolMax: 5, queryTimeoutMs: 2000, connectTimeoutMs: 1000, batchMax: 64, clock, migrate: true, ...extra });

const drops = new Map<string, () => Promise<void>>();
storeContract(
  'PostgreSQL',
  {
    async newPlace() {
      const s = await createSchema();
      drops.set(s.url, s.drop);
      return s.url;
    },
    open: (url) => open(url),
    async dropPlace(url) {
      await drops.get(url)?.();
      drops.delete(url);
    },
  },
  { skip: !postgresAvailable },
);

describe.skipIf(!postgresAvailable)('PostgreSQL specifics', () => {
  it('migrates once when several replicas start together (advisory lock), and records the version', async () => {
    const s = await createSchema();
    try {
      const stores = await Promise.all(Array.from({ length: 4 }, () => open(s.url)));
      const c = new pg.Client({ connectionString: s.url });
      await c.connect();
      expect((await c.query('SELECT version, name FROM schema_migrations ORDER BY version')).rows).toEqual([
        { version: 1, name: 'event log and quarantine' },
        { version: 2, name: 'event lookups merged in sorted batches' },
        { version: 3, name: 'the database enforces event uniqueness again; ordinary indexes instead of lookups' },
        { version: 4, name: "the vendor's own time of each event" },
        { version: 5, name: 'outbox: each new event queued for every sink and follow-up fetch' },
        { version: 6, name: 'access keys and the audit trail' },
        { version: 7, name: 'personal data: sealed bodies, erasure, blocking' },
        { version: 8, name: 'an id of this installation' },
        { version: 9, name: 'console sign-ins and delivery activity' },
      ]);
      await c.end();
      await Promise.all(stores.map((st) => st.close()));
    } finally {
      await s.drop();
    }
  });

  it('commits a batch in one statement per round: a redelivery inside the batch is its second delivery, not a failed batch', async () => {
    const s = await createSchema();
    const commits: { size: number; ok: boolean }[] = [];
    const store = await open(s.url, { onCommit: ({ size, ok }) => commits.push({ size, ok }) });
    try {
      const twice = newEvent();
      const others = Array.from({ length: 10 }, () => newEvent());
      const results = await Promise.all([store.append(twice), ...others.map((e) => store.append(e)), store.append(twice)]);
      expect(results.at(-1)).toMatchObject({ id: twice.id, seq: results[0]!.seq, deliveries: 2, duplicate: true });
      // One batch, committed whole: not the one-write-at-a-time fallback that follows a failure
      // (a failed statement would have used up sequence values first: seq would not start at 1).
      expect(commits).toEqual([{ size: 12, ok: true }]);
      expect(new Set(results.slice(0, 11).map((r) => Number(r.seq)))).toEqual(new Set(Array.from({ length: 11 }, (_, i) => i + 1)));
      expect((await store.listEvents({ limit: 100 })).items).toHaveLength(11);
    } finally {
      await store.close();
      await s.drop();
    }
  });

  it('with migrate off, refuses an empty schema with a message naming the migrate command', async () => {
    const s = await createSchema();
    try {
      await expect(open(s.url, { migrate: false })).rejects.toThrow(
        /schema is at version 0, this build needs 9: run "ine-webhooks migrate"/,
      );
    } finally {
      await s.drop();
    }
  });

  it('refuses a database migrated by a newer release', async () => {
    const s = await createSchema();
    try {
      await (await open(s.url)).close();
      const c = new pg.Client({ connectionString: s.url });
      await c.connect();
      await c.query("INSERT INTO schema_migrations VALUES (99, 'future', now())");
      await c.end();
      await expect(open(s.url)).rejects.toThrow(/schema version 99, newer than this build/);
    } finally {
      await s.drop();
    }
  });

  it('stores a payload with a \\u0000 escape (valid JSON that jsonb would refuse)', async () => {
    const s = await createSchema();
    const store = await open(s.url);
    try {
      const r = await store.append(newEvent({ rawBody: '{"note":"a\\u0000b"}' }));
      expect((await store.getEvent(r.id))!.payload).toEqual({ note: 'a\u0000b' });
    } finally {
      await store.close();
      await s.drop();
    }
  });

  it('a write the database refuses for its data fails alone, as StoreRejectedError, never its batch neighbours', async () => {
    const s = await createSchema();
    const batches: { size: number; ok: boolean }[] = [];
    const store = await open(s.url, { onCommit: (b) => batches.push({ size: b.size, ok: b.ok }) });
    try {
      const good = Array.from({ length: 6 }, () => newEvent());
      const bad = newEvent({ sessionId: 'a\u0000b' });
      const results = await Promise.allSettled([...good.slice(0, 3), bad, ...good.slice(3)].map((e) => store.append(e)));
      expect(results.map((r) => r.status)).toEqual([
        'fulfilled',
        'fulfilled',
        'fulfilled',
        'rejected',
        'fulfilled',
        'fulfilled',
        'fulfilled',
      ]);
      expect((results[3] as PromiseRejectedResult).reason).toMatchObject({
        name: 'StoreRejectedError',
        message: expect.stringMatching(/^postgres: 22021: /),
      });
      expect((await store.listEvents({ limit: 10 })).items.map((e) => e.id).sort()).toEqual(good.map((e) => e.id).sort());
      expect(batches[0]).toEqual({ size: 7, ok: false });
      // A refusal is not an outage: readiness stays.
      expect(await store.check()).toEqual({ ok: true });
    } finally {
      await store.close();
      await s.drop();
    }
  });

  it('a reader paging after/next sees every event exactly once while three replicas write concurrently', async () => {
    const s = await createSchema();
    const writers = await Promise.all([open(s.url), open(s.url), open(s.url)]);
    const reader = await open(s.url);
    try {
      const perWriter = 150;
      let writing = true;
      const written: string[] = [];
      const writing$ = Promise.all(
        writers.map(async (w) => {
          for (let i = 0; i < perWriter; i += 5) {
            // Bursts of 5 concurrent appends per replica, so batches interleave across replicas.
            const rs = await Promise.all(Array.from({ length: 5 }, () => w.append(newEvent())));
            written.push(...rs.map((r) => r.id));
          }
        }),
      ).finally(() => {
        writing = false;
      });
      const seen: string[] = [];
      const seqs: bigint[] = [];
      let after: string | undefined;
      const pageOnce = async () => {
        const page = await reader.listEvents({ after, limit: 7 });
        for (const e of page.items) {
          seen.push(e.id);
          seqs.push(BigInt(e.seq));
        }
        if (page.next !== null) after = page.next;
        return page.items.length;
      };
      while (writing) await pageOnce();
      await writing$;
      while ((await pageOnce()) > 0);
      expect(written).toHaveLength(3 * perWriter);
      expect(seen).toHaveLength(written.length);
      expect(new Set(seen).size).toBe(seen.length);
      expect(new Set(seen)).toEqual(new Set(written));
      for (let i = 1; i < seqs.length; i += 1) expect(seqs[i]! > seqs[i - 1]!).toBe(true);
    } finally {
      await Promise.all([...writers, reader].map((st) => st.close()));
      await s.drop();
    }
  });

  describe('when the database becomes unreachable', () => {
    const send = (h: Harness) => sendVeriff(h, veriffPayload());

    it('answers 503 within a bounded time (refused or black-holed), /readyz 503, and heals by itself', async () => {
      const s = await createSchema();
      const target = new URL(PG_URL);
      const proxy = await startTcpProxy(target.hostname, Number(target.port || 5432));
      const viaProxy = new URL(urlWithSchema(s.schema));
      viaProxy.host = `127.0.0.1:${proxy.port}`;
      let store: EventStore | undefined;
      let h: Harness | undefined;
      try {
        store = await open(viaProxy.href, { connectTimeoutMs: 1000, queryTimeoutMs: 1000 });
        h = await harness(FULL_ENV, { store });
        expect((await send(h)).status).toBe(200);

        for (const fault of ['refuse', 'blackhole'] as const) {
          proxy[fault]();
          const started = Date.now();
          const res = await send(h);
          const elapsed = Date.now() - started;
          expect(res.status).toBe(503);
          expect(res.body).toEqual({ error: 'store_unavailable' });
          expect(elapsed).toBeLessThan(4000);
          const ready = await request(h.app).get('/readyz');
          expect(ready.status).toBe(503);
          expect(ready.body.checks.store).toBe('unavailable');
          expect(h.logs.lines.some((l) => l.readiness === 'unavailable' && /postgres: /.test(String(l.reason)))).toBe(true);

          proxy.restore();
          const healed = veriffPayload();
          const body = JSON.stringify(healed);
          expect((await postRaw(request(h.app), '/webhooks/veriff/ine-registry', body, veriffHeaders(body, VERIFF_SECRET))).status).toBe(
            200,
          );
          expect((await request(h.app).get('/readyz')).status).toBe(200);
          expect((await store.listEvents({ sessionId: healed.sessionId as string, limit: 5 })).items).toHaveLength(1);
        }
        const outcomes = h.logs.requests().map((l) => l.outcome);
        expect(outcomes).toEqual(['accepted', 'store_unavailable', 'accepted', 'store_unavailable', 'accepted']);
        expect((await store.listEvents({ limit: 100 })).items).toHaveLength(3);
      } finally {
        proxy.restore();
        await h?.close();
        await proxy.close();
        await s.drop();
      }
    });
  });
});
