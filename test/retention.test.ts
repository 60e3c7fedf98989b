import { afterEach, describe, expect, it } from 'vitest';
import { configuredQueues } from '../src/configured-queues.js';
import { randomBytes } from 'node:crypto';
import { createAuditTrail } from '../src/access/audit-trail.js';
import { retentionSweep } from '../src/privacy/retention-sweep.js';
import { subjectActions } from '../src/privacy/subjects.js';
import { veriffPayload } from './helpers/fixtures.js';
import { FULL_ENV, type Harness } from './helpers/harness.js';
import { HARNESS_BACKENDS } from './helpers/harness-backends.js';
import { sendVeriff } from './helpers/send-delivery.js';

const ENV = { ...FULL_ENV, PAYLOAD_RETENTION: '1h', QUARANTINE_RETENTION: '2h', PAYLOAD_KEYS: `k1:${randomBytes(32).toString('base64')}` };

const backends = HARNESS_BACKENDS.map((b) => ({ ...b, open: () => b.open(ENV) }));

for (const backend of backends) {
  describe.skipIf(backend.skip)(`the retention sweep (${backend.name})`, () => {
    let h: Harness;
    let drop: () => Promise<void>;
    afterEach(async () => {
      await h?.close();
      await drop?.();
    });

    const sweeper = () => {
      const audit = createAuditTrail(h.store.access, h.logger, h.clock);
      return retentionSweep({
        store: h.store,
        config: h.config,
        clock: h.clock,
        logger: h.logger,
        subjects: subjectActions({ store: h.store, audit, clock: h.clock, routing: configuredQueues(h.config, h.clock).routing() }),
      });
    };

    it('destroys payloads past PAYLOAD_RETENTION and quarantined bodies past QUARANTINE_RETENTION, keeping metadata; a late redelivery is a duplicate', async () => {
      ({ h, drop } = await backend.open());
      const old = veriffPayload({ vendorData: 'cust-old' });
      expect((await sendVeriff(h, old)).status).toBe(200);
      expect((await sendVeriff(h, veriffPayload({ sessionId: 9 }))).status).toBe(400);
      h.clock.advance(30 * 60_000);
      const young = veriffPayload({ vendorData: 'cust-young' });
      expect((await sendVeriff(h, young)).status).toBe(200);
      // Nothing is due yet.
      expect(await sweeper().runOnce()).toEqual({ erased: 0, subjects: 0 });
      h.clock.advance(45 * 60_000); // old: 75 min, young: 45 min, quarantined: 75 min
      expect(await sweeper().runOnce()).toEqual({ erased: 1, subjects: 0 });
      const [oldEvent] = (await h.store.listEvents({ reference: 'cust-old', limit: 1 })).items;
      expect(oldEvent).toMatchObject({
        erasedAt: new Date(h.clock.now()).toISOString(),
        payload: null,
        rawBody: '',
        status: 'valid',
        deliveries: 1,
      });
      expect((await h.store.listEvents({ reference: 'cust-young', limit: 1 })).items[0]!.payload).toEqual(young);
      expect(await h.store.privacy.keysInUse()).toEqual(['k1']);
      expect((await h.store.listQuarantine({ limit: 10 })).items[0]!.erasedAt).toBeNull();
      h.clock.advance(60 * 60_000);
      expect(await sweeper().runOnce()).toEqual({ erased: 2, subjects: 0 });
      expect((await h.store.listQuarantine({ limit: 10 })).items[0]).toMatchObject({
        rawBody: '',
        erasedAt: expect.any(String),
        reason: 'invalid_payload',
      });
      // A late redelivery of a swept event: counted, nothing stored again.
      const again = await sendVeriff(h, old);
      expect(again.status).toBe(200);
      expect(h.logs.requests().at(-1)).toMatchObject({ outcome: 'duplicate' });
      expect(await h.store.getEvent(oldEvent!.id)).toMatchObject({ deliveries: 2, payload: null });
      // Every body is gone now, so no key seals anything any more.
      expect(await h.store.privacy.keysInUse()).toEqual([]);
    });

    it('erases a blocked subject when its block reaches its date, as system:retention, with an erasure notice', async () => {
      ({ h, drop } = await backend.open());
      expect((await sendVeriff(h, veriffPayload({ vendorData: 'cust-until', sessionId: 's-until' }))).status).toBe(200);
      const until = new Date(h.clock.now() + 10 * 60_000).toISOString();
      expect(
        await h.store.privacy.block(
          { kind: 'reference', id: 'cust-until' },
          { until, reason: 'ticket 5', at: new Date(h.clock.now()).toISOString(), by: 'ana' },
        ),
      ).toBe(1);
      expect((await h.store.listEvents({ sessionId: 's-until', limit: 1 })).items[0]!.blocked).toBe(true);
      h.clock.advance(9 * 60_000);
      expect((await sweeper().runOnce()).subjects).toBe(0);
      h.clock.advance(60_000);
      expect((await sweeper().runOnce()).subjects).toBe(1);
      expect((await h.store.listEvents({ sessionId: 's-until', limit: 1 })).items[0]).toMatchObject({ payload: null, blocked: false });
      expect(await h.store.privacy.blocks()).toEqual([]);
      const notice = (await h.store.listEvents({ provider: undefined, limit: 10 })).items.find((e) => e.type === 'erasure');
      expect(notice?.payload).toMatchObject({ subject: { reference: 'cust-until' } });
      const [record] = (await h.store.access.listAudit({ actor: 'system:retention', limit: 5 })).items;
      expect(record).toMatchObject({ action: 'erase', subject: 'cust-until', outcome: 'ok', reason: 'block expired: erased at its date' });
    });
  });
}
