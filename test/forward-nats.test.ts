import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { natsSink, natsSubject, shownServers } from '../src/forward/nats-sink.js';
import type { Target } from '../src/outbox/target.js';
import type { EventStore } from '../src/store/event-store.js';
import { openSqliteStore } from '../src/store/sqlite-store.js';
import { captureLogs, manualClock, tempDir } from './helpers/harness.js';
import { routeTo, testRelay } from './helpers/forward-receiver.js';
import { deleteStream, NATS_URL, natsAvailable, readStream } from './helpers/nats.js';
import { newEvent } from './helpers/store-contract.js';
import { waitFor } from './helpers/wait-for.js';

describe('NATS sink description', () => {
  it('never shows a user or password of the server URLs', () => {
    expect(shownServers('nats://ine:s3cret@nats-1:4222,nats://ine:s3cret@nats-2:4222')).toBe('nats://…@nats-1:4222,nats://…@nats-2:4222');
    expect(shownServers('token@127.0.0.1:4222')).toBe('…@127.0.0.1:4222');
    expect(shownServers('nats://127.0.0.1:4222')).toBe('nats://127.0.0.1:4222');
    const sink = natsSink({ url: 'tls://ine:s3cret@nats:4222', stream: 'S', subjectPrefix: 'ine', timeoutMs: 100 });
    expect(sink.describe).toBe('nats tls://…@nats:4222 stream S subjects ine.>');
  });
});

describe('NATS subjects', () => {
  it('are ine.<provider>.<type>, with characters NATS reserves replaced', () => {
    expect(natsSubject('ine', 'veriff', 'ine_registry')).toBe('ine.veriff.ine_registry');
    expect(natsSubject('ine', 'veriff', 'combined-ine-curp-registry')).toBe('ine.veriff.combined-ine-curp-registry');
    expect(natsSubject('ine', 'veriff', 'a.b *>c')).toBe('ine.veriff.a_b___c');
    expect(natsSubject('prod.ine', 'incode', '')).toBe('prod.ine.incode._');
  });
});

describe.skipIf(!natsAvailable)('forwarding to NATS JetStream (real server)', () => {
  let stream: string;
  let store: EventStore;
  let tmp: ReturnType<typeof tempDir>;
  let sink: Target;
  let prefix: string;
  const clock = manualClock(Date.now());

  beforeEach(async () => {
    const name = randomBytes(6).toString('hex');
    // Streams may not share subjects: each test has its own prefix.
    stream = `TEST_${name}`;
    prefix = `test.${name}`;
    tmp = tempDir();
    sink = natsSink({ url: NATS_URL, stream, subjectPrefix: prefix, timeoutMs: 2000 });
    store = await openSqliteStore({ dataDir: tmp.dir, batchMax: 64, clock, routing: routeTo(sink.name) });
  });
  afterEach(async () => {
    await store.close();
    tmp.remove();
    await deleteStream(stream);
  });

  it('creates the stream, publishes every event in order on its subject with Nats-Msg-Id, and JetStream drops a republish', async () => {
    const { logger } = captureLogs();
    const events = [
      newEvent({ receivedAt: new Date(clock.now()).toISOString() }),
      newEvent({ provider: 'incode', type: 'ine_scraping', receivedAt: new Date(clock.now()).toISOString() }),
      newEvent({ type: 'decision', receivedAt: new Date(clock.now()).toISOString() }),
    ];
    const stored = [];
    for (const e of events) stored.push(await store.append(e));
    const relay = testRelay({ outbox: store.outbox, targets: [sink], clock, logger }, { timeoutMs: 2000 });
    await waitFor('delivered', async () => (await store.outbox.stats())[0]?.delivered === 3);
    // A crash after the publish but before the outbox row was settled sends it again: JetStream drops it.
    await sink.deliver(
      { sink: 'nats', seq: stored[0]!.seq, attempts: 0, queuedAt: 0, event: (await store.getEvent(stored[0]!.id))! },
      new AbortController().signal,
    );
    await relay.stop();
    const messages = await readStream(stream);
    expect(messages.map((m) => m.subject)).toEqual([
      `${prefix}.veriff.ine_registry`,
      `${prefix}.incode.ine_scraping`,
      `${prefix}.veriff.decision`,
    ]);
    expect(messages.map((m) => m.msgId)).toEqual(stored.map((s) => s.id));
    expect(messages.map((m) => m.event.seq)).toEqual(stored.map((s) => s.seq));
    expect(messages[1]!.event.payload).toEqual(JSON.parse(events[1]!.rawBody));
  });

  it('retries while the server cannot be reached, saying why', async () => {
    const { logger, logs } = captureLogs();
    const down = natsSink({ url: 'nats://127.0.0.1:1', stream, subjectPrefix: prefix, timeoutMs: 500 });
    await store.append(newEvent({ receivedAt: new Date(clock.now()).toISOString(), outbox: [{ sink: 'nats', notBefore: 0 }] }));
    const relay = testRelay({ outbox: store.outbox, targets: [down], clock, logger }, { timeoutMs: 500 });
    const line = await waitFor('a failure', () => logs.lines.find((l) => l.msg === 'forwarding failed; will retry'));
    await relay.stop();
    expect(line.reason).toMatch(/^NATS: /);
    expect((await store.outbox.stats())[0]).toMatchObject({ pending: 1, failures: 1 });
  });
});
