import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startRelay, backoffMs, type Relay } from '../src/outbox/relay.js';
import { httpSink } from '../src/forward/http-sink.js';
import { sinksReport } from '../src/outbox/sinks-report.js';
import type { Target } from '../src/outbox/target.js';
import type { EventStore } from '../src/store/event-store.js';
import { openPostgresStore } from '../src/store/postgres-store.js';
import { openSqliteStore } from '../src/store/sqlite-store.js';
import { FORWARD_SECRET, routeTo, startForwardReceiver, testRelay, type ForwardReceiver } from './helpers/forward-receiver.js';
import { captureLogs, manualClock, tempDir } from './helpers/harness.js';
import { createSchema, postgresAvailable } from './helpers/postgres.js';
import { newEvent } from './helpers/store-contract.js';
import { waitFor } from './helpers/wait-for.js';

type Clock = ReturnType<typeof manualClock>;

const backends = [
  {
    name: 'sqlite',
    skip: false,
    async open(clock: Clock, routing: ReturnType<typeof routeTo>) {
      const tmp = tempDir();
      const store = await openSqliteStore({ dataDir: tmp.dir, batchMax: 64, clock, routing });
      return { store, drop: async () => tmp.remove() };
    },
  },
  {
    name: 'postgres',
    skip: !postgresAvailable,
    async open(clock: Clock, routing: ReturnType<typeof routeTo>) {
      const schema = await createSchema();
      const store = await openPostgresStore({
        url: schema.url,
        poolMax: 4,
        queryTimeoutMs: 5000,
        connectTimeoutMs: 5000,
        batchMax: 64,
        clock,
        migrate: true,
        routing,
      });
      return { store, drop: schema.drop };
    },
  },
];

describe('backoff', () => {
  it('doubles from about a second, with jitter, up to the cap', () => {
    expect(backoffMs(1, 60_000, () => 0)).toBe(500);
    expect(backoffMs(1, 60_000, () => 1)).toBe(1000);
    expect(backoffMs(4, 60_000, () => 1)).toBe(8000);
    expect(backoffMs(30, 60_000, () => 1)).toBe(60_000);
    expect(backoffMs(30, 60_000, () => 0)).toBe(30_000);
  });
});

for (const backend of backends) {
  describe.skipIf(backend.skip)(`forwarding over HTTP (${backend.name})`, () => {
    let receiver: ForwardReceiver;
    let clock: Clock;
    let store: EventStore;
    let drop: () => Promise<void>;
    let relay: Relay | undefined;
    let sink: Target;
    let logs: ReturnType<typeof captureLogs>['logs'];
    let logger: ReturnType<typeof captureLogs>['logger'];

    const start = (overrides: Partial<Parameters<typeof startRelay>[0]> = {}) => {
      relay = testRelay({ outbox: store.outbox, targets: [sink], clock, logger }, overrides);
    };
    /** An event received now on the test's clock (its age decides parking). */
    const fresh = (overrides: Parameters<typeof newEvent>[0] = {}) =>
      newEvent({ receivedAt: new Date(clock.now()).toISOString(), ...overrides });
    const report = async () => (await sinksReport(store.outbox, [sink], clock.now()))[0]!;

    beforeEach(async () => {
      receiver = await startForwardReceiver();
      clock = manualClock(Date.now());
      ({ logger, logs } = captureLogs());
      sink = httpSink({ url: receiver.url, secret: FORWARD_SECRET, timeoutMs: 500, clock });
      ({ store, drop } = await backend.open(clock, routeTo(sink.name)));
      relay = undefined;
    });
    afterEach(async () => {
      await relay?.stop();
      await store.close();
      await drop();
      await receiver.stop();
    });

    it('forwards each new event once, signed, in seq order; a redelivery queues nothing', async () => {
      const events = Array.from({ length: 30 }, () => fresh());
      const stored = await Promise.all(events.map((e) => store.append(e)));
      await store.append(events[3]!); // a redelivery
      start();
      await waitFor('30 deliveries', () => receiver.received.length >= 30);
      // Stopping aborts an attempt in flight (sent again later): stop once all 30 are settled.
      await waitFor('settled', async () => (await report()).delivered === 30);
      await relay!.stop();
      expect(receiver.forged).toBe(0);
      expect(receiver.received.map((r) => r.seq)).toEqual(stored.map((s) => Number(s.seq)).sort((a, b) => a - b));
      const first = receiver.received.find((r) => r.id === stored[0]!.id)!;
      expect(first).toMatchObject({ type: 'ine_registry', sessionId: events[0]!.sessionId, status: 'valid' });
      expect(first.payload).toEqual(JSON.parse(events[0]!.rawBody));
      expect(first.headers['webhook-id']).toBe(stored[0]!.id);
      expect(first.headers['content-type']).toBe('application/json');
      expect(await report()).toMatchObject({
        name: 'http',
        delivered: 30,
        pending: 0,
        parked: 0,
        failures: 0,
        oldestPendingAgeSeconds: null,
      });
    });

    it('retries a refusing sink with backoff, holding later events back, and logs each failure without the payload', async () => {
      receiver.answer = 503;
      const events = Array.from({ length: 3 }, (_, i) => fresh({ rawBody: `{"secretName":"MARIA ${i}"}` }));
      for (const e of events) await store.append(e);
      start();
      const failure = await waitFor('a failure line', () => logs.lines.find((l) => l.msg === 'forwarding failed; will retry'));
      expect(failure).toMatchObject({ sink: 'http', attempt: 1, reason: 'answered HTTP 503', level: 40 });
      expect(failure.retryInMs).toBeGreaterThanOrEqual(500);
      expect(failure.retryInMs).toBeLessThanOrEqual(1000);
      // Not due again until the backoff has passed on the clock.
      await clock.waitForTimers(); // the relay is asleep: its look is done, and nothing more happens until the clock moves
      expect(logs.lines.filter((l) => l.msg === 'forwarding failed; will retry')).toHaveLength(1);
      expect(await report()).toMatchObject({ pending: 3, delivered: 0, failures: 1, lastError: 'answered HTTP 503' });
      receiver.answer = 200;
      await clock.waitForTimers();
      clock.advance(1000);
      await waitFor('3 deliveries', () => receiver.received.length >= 3);
      expect(receiver.received.map((r) => r.sessionId)).toEqual(events.map((e) => e.sessionId));
      expect(logs.text()).not.toContain('MARIA');
      await waitFor('settled', async () => (await report()).delivered === 3);
    });

    it('parks an event after FORWARD_MAX_ATTEMPTS, goes on with the next, and redrives it', async () => {
      const events = Array.from({ length: 3 }, () => fresh());
      const refused = events[1]!.sessionId;
      receiver.answerFor = (e) => (e.sessionId === refused ? 500 : undefined);
      const stored = [];
      for (const e of events) stored.push(await store.append(e));
      start({ maxAttempts: 2 });
      await waitFor('first failure', () => logs.lines.some((l) => l.msg === 'forwarding failed; will retry'));
      await clock.waitForTimers();
      clock.advance(1000);
      const parked = await waitFor('parked', () => logs.lines.find((l) => l.parked === true));
      expect(parked).toMatchObject({ sink: 'http', eventId: stored[1]!.id, attempt: 2, level: 50 });
      await waitFor('the others', () => receiver.received.length >= 2);
      expect(receiver.received.map((r) => r.sessionId)).toEqual([events[0]!.sessionId, events[2]!.sessionId]);
      await waitFor('settled', async () => (await report()).delivered === 2);
      expect(await report()).toMatchObject({ delivered: 2, pending: 0, parked: 1, failures: 2 });
      const page = await store.outbox.parked({ limit: 10 });
      expect(page.items).toEqual([
        expect.objectContaining({ sink: 'http', eventId: stored[1]!.id, attempts: 2, lastError: 'answered HTTP 500', sessionId: refused }),
      ]);

      receiver.answerFor = undefined;
      expect(await store.outbox.redrive({ sink: 'nats' }, clock.now())).toBe(0);
      expect(await store.outbox.redrive({ eventId: stored[1]!.id }, clock.now())).toBe(1);
      relay!.poke();
      await waitFor('the redriven one', () => receiver.received.length >= 3);
      expect(receiver.received[2]!.id).toBe(stored[1]!.id);
      await waitFor('settled', async () => (await report()).delivered === 3);
      expect(await report()).toMatchObject({ delivered: 3, pending: 0, parked: 0 });
    });

    it('parks by age (FORWARD_MAX_AGE) even before the attempts run out', async () => {
      receiver.answer = 500;
      await store.append(fresh());
      clock.advance(61_000);
      start({ maxAgeMs: 60_000 });
      await waitFor('parked', () => logs.lines.find((l) => l.parked === true));
      expect(await report()).toMatchObject({ pending: 0, parked: 1 });
    });

    it('retries a sink too slow to answer within the timeout, and a sink that is down, until it is back', async () => {
      receiver.delayMs = 1500;
      const e = fresh();
      await store.append(e);
      start();
      const slow = await waitFor('a timeout', () => logs.lines.find((l) => l.msg === 'forwarding failed; will retry'));
      expect(slow.reason).toBe('no answer within 500 ms');
      await receiver.stop();
      await clock.waitForTimers();
      clock.advance(1000);
      const down = await waitFor('connection refused', () =>
        logs.lines.find((l) => l.msg === 'forwarding failed; will retry' && l.attempt === 2),
      );
      expect(down.reason).toBe('request failed: ECONNREFUSED');
      receiver.delayMs = 0;
      await receiver.start();
      await clock.waitForTimers();
      clock.advance(2000);
      await waitFor('delivered', () => receiver.received.some((r) => r.sessionId === e.sessionId));
      await waitFor('settled', async () => (await report()).delivered === 1);
    });

    it('lets one relay at a time hold a sink: another one waits until the lease is released or expires', async () => {
      const other = testRelay({ outbox: store.outbox, targets: [sink], clock, logger });
      const now = clock.now();
      expect(await store.outbox.lease('http', 'someone-else', now, now + 60_000)).toBe(true);
      await store.append(fresh());
      await clock.waitForTimers(); // the relay is asleep: its look is done, and nothing more happens until the clock moves
      expect(receiver.received).toHaveLength(0);
      await clock.waitForTimers();
      clock.advance(60_000);
      await waitFor('taken over', () => receiver.received.length === 1);
      expect(await store.outbox.lease('http', 'someone-else', clock.now(), clock.now() + 60_000)).toBe(false);
      await other.stop();
      expect(await store.outbox.lease('http', 'someone-else', clock.now(), clock.now() + 60_000)).toBe(true);
    });
  });
}
