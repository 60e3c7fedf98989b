import { createHash, randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AppendResult, EventStore, NewEvent } from '../../src/store/event-store.js';

/** Opens a store on the same backing data each time it is called with the same `place`. */
export interface StoreFactory {
  /** A fresh, empty place (folder or schema) for one test. */
  newPlace(): Promise<string>;
  open(place: string): Promise<EventStore>;
  dropPlace(place: string): Promise<void>;
}

export function newEvent(overrides: Partial<NewEvent> = {}): NewEvent {
  const sessionId = randomUUID();
  const payload = JSON.stringify({ sessionId, n: Math.random() });
  return {
    provider: 'veriff',
    type: 'ine_registry',
    sessionId,
    reference: 'ref-1',
    status: 'valid',
    vendorTime: '2026-11-22T09:59:58.123+00:00',
    integration: null,
    id: createHash('sha256').update(randomUUID()).digest('hex'),
    receivedAt: '2026-11-22T10:00:00.000Z',
    rawBody: payload,
    ...overrides,
  };
}

/** SPEC §5 as every backend must keep it; run once per backend. */
export function storeContract(name: string, factory: StoreFactory, options: { skip?: boolean } = {}): void {
  describe.skipIf(options.skip ?? false)(`EventStore contract: ${name}`, () => {
    let place: string;
    let store: EventStore;
    beforeEach(async () => {
      place = await factory.newPlace();
      store = await factory.open(place);
    });
    afterEach(async () => {
      await store.close();
      await factory.dropPlace(place);
    });

    it('appends an event and reads it back whole', async () => {
      const e = newEvent({ integration: 'api-key', reference: null, status: null, rawBody: '{"a": "válida" }' });
      const r = await store.append(e);
      expect(r).toMatchObject({ duplicate: false, deliveries: 1 });
      const got = await store.getEvent(r.id);
      expect(got).toEqual({
        id: r.id,
        seq: r.seq,
        provider: 'veriff',
        type: 'ine_registry',
        sessionId: e.sessionId,
        reference: null,
        status: null,
        vendorTime: '2026-11-22T09:59:58.123+00:00',
        integration: 'api-key',
        receivedAt: e.receivedAt,
        lastDeliveredAt: e.receivedAt,
        deliveries: 1,
        payload: { a: 'válida' },
        rawBody: '{"a": "válida" }',
        erasedAt: null,
        blocked: false,
      });
      expect(await store.getEvent(randomUUID())).toBeNull();
    });

    it('stores a duplicate once and counts it, keeping the first id and payload', async () => {
      const e = newEvent();
      const first = await store.append(e);
      const second = await store.append({ ...e, receivedAt: '2026-11-22T11:00:00.000Z', rawBody: '{"other":1}' });
      expect(second).toMatchObject({ id: first.id, seq: first.seq, deliveries: 2, duplicate: true });
      const got = await store.getEvent(first.id);
      expect(got).toMatchObject({ deliveries: 2, lastDeliveredAt: '2026-11-22T11:00:00.000Z', rawBody: e.rawBody });
      expect((await store.listEvents({ limit: 10 })).items).toHaveLength(1);
    });

    it('keeps one row under concurrent duplicates, with the exact count', async () => {
      const e = newEvent();
      const results = await Promise.all(Array.from({ length: 50 }, () => store.append(e)));
      expect(new Set(results.map((r) => r.id)).size).toBe(1);
      expect(results.filter((r) => !r.duplicate)).toHaveLength(1);
      expect((await store.listEvents({ limit: 100 })).items).toEqual([expect.objectContaining({ deliveries: 50 })]);
    });

    it('gives strictly increasing seq, lists oldest first, and pages with after/next to the end and beyond', async () => {
      const appended = [];
      for (let i = 0; i < 7; i += 1) appended.push(await store.append(newEvent()));
      const seqs = appended.map((a) => BigInt(a.seq));
      for (let i = 1; i < seqs.length; i += 1) expect(seqs[i]! > seqs[i - 1]!).toBe(true);

      const seen: string[] = [];
      let after: string | undefined;
      for (;;) {
        const page = await store.listEvents({ after, limit: 3 });
        if (page.items.length === 0) {
          expect(page.next).toBeNull();
          break;
        }
        expect(page.next).toBe(page.items[page.items.length - 1]!.seq);
        seen.push(...page.items.map((e) => e.id));
        after = page.next!;
      }
      expect(seen).toEqual(appended.map((a) => a.id));
      const later = await store.append(newEvent());
      expect((await store.listEvents({ after, limit: 3 })).items.map((e) => e.id)).toEqual([later.id]);
    });

    it('lists the newest events first when asked (a tail), with filters', async () => {
      const ids = [];
      for (let i = 0; i < 5; i += 1) ids.push((await store.append(newEvent({ sessionId: i % 2 ? 'odd' : 'even' }))).id);
      expect((await store.listEvents({ newestFirst: true, limit: 3 })).items.map((e) => e.id)).toEqual([ids[4], ids[3], ids[2]]);
      expect((await store.listEvents({ newestFirst: true, sessionId: 'odd', limit: 10 })).items.map((e) => e.id)).toEqual([ids[3], ids[1]]);
    });

    it('filters by provider, session and reference', async () => {
      const a = await store.append(newEvent({ sessionId: 's-1', reference: 'r-1' }));
      const b = await store.append(
        newEvent({ provider: 'incode', type: 'ine_scraping', sessionId: 's-1', reference: 'r-2', status: 'FINISHED' }),
      );
      await store.append(newEvent({ sessionId: 's-2', reference: 'r-1' }));
      const ids = async (q: Parameters<EventStore['listEvents']>[0]) => (await store.listEvents(q)).items.map((e) => e.id);
      expect(await ids({ sessionId: 's-1', limit: 10 })).toEqual([a.id, b.id]);
      expect(await ids({ sessionId: 's-1', provider: 'incode', limit: 10 })).toEqual([b.id]);
      expect((await store.listEvents({ reference: 'r-1', limit: 10 })).items).toHaveLength(2);
    });

    it('appends many concurrent unique events, all committed (group commit)', async () => {
      const events = Array.from({ length: 300 }, () => newEvent());
      const results = await Promise.all(events.map((e) => store.append(e)));
      expect(new Set(results.map((r) => r.seq)).size).toBe(300);
      expect((await store.listEvents({ limit: 1000 })).items).toHaveLength(300);
    });

    it('answers each write of a mixed batch with its own result: new, redelivered in the batch, already stored, quarantined', async () => {
      const stored = newEvent();
      await store.append(stored);
      const fresh = Array.from({ length: 20 }, () => newEvent());
      const twice = newEvent();
      const item = {
        provider: 'veriff' as const,
        reason: 'invalid_json' as const,
        issues: [{ path: '', message: 'bad' }],
        rawBody: Buffer.from('{'),
        receivedAt: '2026-11-22T10:00:00.000Z',
      };
      // Submitted in one turn of the event loop: one batch.
      const [again, first, ...rest] = await Promise.all([
        store.append(stored),
        store.append(twice),
        ...fresh.map((e) => store.append(e)),
        store.append(twice),
        store.quarantine(item),
      ]);
      const freshResults = rest.slice(0, 20) as AppendResult[];
      const [second, kept] = rest.slice(20) as [AppendResult, { id: string; deliveries: number; duplicate: boolean }];
      expect(again).toMatchObject({ id: stored.id, deliveries: 2, duplicate: true });
      expect(first).toMatchObject({ id: twice.id, deliveries: 1, duplicate: false });
      expect(second).toMatchObject({ id: twice.id, seq: first!.seq, deliveries: 2, duplicate: true });
      freshResults.forEach((r, i) => expect(r).toMatchObject({ id: fresh[i]!.id, deliveries: 1, duplicate: false }));
      expect(new Set(freshResults.map((r) => r.seq)).size).toBe(20);
      expect(kept).toMatchObject({ deliveries: 1, duplicate: false });
      expect(await store.getQuarantineItem(kept.id)).toMatchObject({ provider: 'veriff', reason: 'invalid_json' });
      for (const e of fresh)
        expect(await store.getEvent(e.id)).toMatchObject({ sessionId: e.sessionId, rawBody: e.rawBody, deliveries: 1 });
      expect((await store.listEvents({ limit: 100 })).items).toHaveLength(22);
    });

    it('quarantines raw bytes, counts the same bytes again, and pages the quarantine', async () => {
      const bytes = Buffer.from([0x7b, 0xff, 0x00, 0x7d]);
      const item = {
        provider: 'incode' as const,
        reason: 'invalid_json' as const,
        issues: [{ path: '', message: 'bad' }],
        rawBody: bytes,
        receivedAt: '2026-11-22T10:00:00.000Z',
      };
      const first = await store.quarantine(item);
      const second = await store.quarantine({ ...item, receivedAt: '2026-11-22T10:05:00.000Z' });
      expect(second).toMatchObject({ id: first.id, deliveries: 2, duplicate: true });
      await store.quarantine({ ...item, provider: 'veriff', rawBody: Buffer.from('{"x":1}'), reason: 'invalid_payload' });
      const page1 = await store.listQuarantine({ limit: 1 });
      expect(page1.items[0]).toMatchObject({
        id: first.id,
        provider: 'incode',
        reason: 'invalid_json',
        deliveries: 2,
        rawBodyEncoding: 'base64',
        rawBody: bytes.toString('base64'),
        issues: [{ path: '', message: 'bad' }],
        lastDeliveredAt: '2026-11-22T10:05:00.000Z',
      });
      expect(await store.getQuarantineItem(first.id)).toEqual(page1.items[0]);
      expect(await store.getQuarantineItem('missing')).toBeNull();
      const page2 = await store.listQuarantine({ after: page1.next!, limit: 5 });
      expect(page2.items).toEqual([expect.objectContaining({ provider: 'veriff', rawBody: '{"x":1}', rawBodyEncoding: 'utf8' })]);
      expect((await store.listQuarantine({ after: page2.next!, limit: 5 })).next).toBeNull();
    });

    it('stops a page early at maxBytes of stored bodies, always with one event, and its next stays exact', async () => {
      const body = (n: number) => JSON.stringify({ n, pad: 'é'.repeat(500) }); // 1 000+ bytes, 500+ characters
      const ids = [];
      for (let i = 0; i < 6; i += 1) ids.push((await store.append(newEvent({ rawBody: body(i), reference: 'big' }))).id);
      const size = Buffer.byteLength(body(0));
      const seen: string[] = [];
      let pages = 0;
      for (let after: string | undefined; ; pages += 1) {
        const page = await store.listEvents({ reference: 'big', after, limit: 100, maxBytes: 2 * size + 10 });
        if (page.items.length === 0) break;
        expect(page.items.length).toBeLessThanOrEqual(2);
        seen.push(...page.items.map((e) => e.id));
        after = page.next!;
      }
      expect(seen).toEqual(ids);
      expect(pages).toBe(3);
      // Smaller than one body: still one event a page.
      expect((await store.listEvents({ reference: 'big', limit: 100, maxBytes: 10 })).items.map((e) => e.id)).toEqual([ids[0]]);
      expect(
        (await store.listEvents({ reference: 'big', limit: 100, maxBytes: 3 * size, newestFirst: true })).items.map((e) => e.id),
      ).toEqual(ids.slice(3).reverse());
    });

    it('keeps everything across close and reopen, and reports healthy', async () => {
      const r = await store.append(newEvent());
      expect(await store.check()).toEqual({ ok: true });
      await store.close();
      store = await factory.open(place);
      expect((await store.getEvent(r.id))?.id).toBe(r.id);
      const again = await store.append(newEvent());
      expect(BigInt(again.seq) > BigInt(r.seq)).toBe(true);
    });

    it('commits what was queued before close, then refuses writes', async () => {
      const pending = Array.from({ length: 20 }, () => store.append(newEvent()));
      await store.close();
      expect((await Promise.all(pending)).length).toBe(20);
      await expect(store.append(newEvent())).rejects.toThrow(/closed/);
      expect((await store.check()).ok).toBe(false);
      store = await factory.open(place);
      expect((await store.listEvents({ limit: 100 })).items).toHaveLength(20);
    });
  });
}
