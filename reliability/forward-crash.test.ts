import { randomBytes } from 'node:crypto';
import path from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { SQLITE_FILE } from '../src/store/sqlite-store.js';
import { FORWARD_SECRET, startForwardReceiver } from '../test/helpers/forward-receiver.js';
import { tempDir } from '../test/helpers/harness.js';
import { deleteStream, NATS_URL, natsAvailable, readStream } from '../test/helpers/nats.js';
import { createSchema, postgresAvailable } from '../test/helpers/postgres.js';
import { startProcess, type ServiceProcess } from '../test/helpers/service-process.js';
import { waitFor } from '../test/helpers/wait-for.js';
import { report, SHORT } from './reliability-config.js';
import { deliverAll, makeDeliveries, SERVICE_SECRETS } from './vendor-sender.js';

const DELIVERIES = SHORT ? 400 : 3000;
const KILLS = SHORT ? 3 : 6;
/** Kills made even when intake ends sooner (a fast machine): the later ones land while the outbox drains. */
const MIN_KILLS = SHORT ? 2 : 5;

type StoredIds = { id: string; seq: number }[];

/** What a sink received, checked against the log: every stored event, none foreign, first arrivals in seq order. */
function checkSink(name: string, stored: StoredIds, arrivals: { id: string; seq: number }[]) {
  const bySeq = new Map(stored.map((e) => [e.seq, e.id]));
  const seen = new Set<string>();
  const first = arrivals.filter((a) => !seen.has(a.id) && seen.add(a.id));
  const missing = stored.filter((e) => !seen.has(e.id)).length;
  const foreign = first.filter((a) => bySeq.get(a.seq) !== a.id).length;
  const outOfOrder = first.filter((a, i) => i > 0 && a.seq <= first[i - 1]!.seq).length;
  expect({ sink: name, missing, foreign, outOfOrder }).toEqual({ sink: name, missing: 0, foreign: 0, outOfOrder: 0 });
  return { received: arrivals.length, redelivered: arrivals.length - first.length };
}

/**
 * Deliveries sent while an HTTP receiver and a JetStream stream listen; the service SIGKILLed
 * several times mid-way and restarted, the HTTP receiver stopped and started. Afterwards every
 * stored event is at each sink, correctly signed, in order, and every delivery was answered 200.
 */
async function forwardCrashRun(backend: 'sqlite' | 'postgres', env: Record<string, string>, storedIds: () => Promise<StoredIds>) {
  const receiver = await startForwardReceiver();
  const name = randomBytes(6).toString('hex');
  const stream = `REL_${name}`;
  const serviceEnv = {
    ...env,
    ...SERVICE_SECRETS,
    FORWARD_URL: receiver.url,
    FORWARD_SECRET,
    FORWARD_TIMEOUT_MS: '2000',
    FORWARD_BACKOFF_MAX_MS: '2000',
    ...(natsAvailable ? { NATS_URL, NATS_STREAM: stream, NATS_SUBJECT_PREFIX: `rel.${name}` } : {}),
  };
  let service: ServiceProcess = await startProcess(serviceEnv);
  const port = Number(new URL(service.url).port);
  let kills = 0;
  let sinkStops = 0;
  let stop = false;
  const killer = (async () => {
    while (kills < KILLS && (!stop || kills < MIN_KILLS)) {
      await new Promise((r) => setTimeout(r, 300 + Math.random() * 600));
      service.child.kill('SIGKILL');
      await service.exited;
      kills += 1;
      service = await startProcess({ ...serviceEnv, PORT: String(port) });
    }
  })();
  const flapper = (async () => {
    while (!stop) {
      await new Promise((r) => setTimeout(r, 400 + Math.random() * 400));
      if (stop) break;
      await receiver.stop();
      sinkStops += 1;
      await new Promise((r) => setTimeout(r, 300 + Math.random() * 700));
      await receiver.start();
    }
  })();
  try {
    const sent = await deliverAll(makeDeliveries(DELIVERIES), () => port, { concurrency: 16, deadlineMs: SHORT ? 60_000 : 240_000 });
    stop = true;
    await Promise.all([killer, flapper]);
    const stored = await storedIds();
    expect(stored.length).toBe(DELIVERIES);
    expect(sent.acknowledged.size).toBe(DELIVERIES);
    await waitFor(
      'every stored event forwarded over HTTP',
      () => new Set(receiver.received.map((r) => r.id)).size >= stored.length,
      60_000,
    );
    const http = checkSink('http', stored, receiver.received);
    expect(receiver.forged).toBe(0);
    let nats = { received: 0, redelivered: 0 };
    if (natsAvailable) {
      const messages = await waitFor(
        'every stored event on the stream',
        async () => {
          const m = await readStream(stream);
          return m.length >= stored.length ? m : undefined;
        },
        60_000,
      );
      nats = checkSink(
        'nats',
        stored,
        messages.map((m) => ({ id: m.event.id, seq: Number(m.event.seq) })),
      );
      // JetStream's duplicate window dropped every republish after a crash: exactly one message per event.
      expect(messages.length).toBe(stored.length);
      expect(messages.every((m) => m.msgId === m.event.id)).toBe(true);
    }
    expect(await service.stop('SIGTERM')).toBe(0);
    report(`forwarding through crashes (${backend})`, {
      deliveries: DELIVERIES,
      kills,
      sinkStops,
      answered503: sent.byStatus.get(503) ?? 0,
      unanswered: sent.noAnswer,
      httpReceived: http.received,
      httpRedelivered: http.redelivered,
      natsMessages: natsAvailable ? nats.received : 'skipped',
    });
    expect(kills).toBeGreaterThanOrEqual(MIN_KILLS);
  } finally {
    stop = true;
    await Promise.all([killer, flapper]).catch(() => undefined);
    service.child.kill('SIGKILL');
    await receiver.stop().catch(() => undefined);
    if (natsAvailable) await deleteStream(stream);
  }
}

describe('forwarding: SIGKILL mid-way, sinks down and up, nothing missing, in order', () => {
  if (!natsAvailable) console.warn('forwarding reliability: the NATS half is SKIPPED (no JetStream server)');

  it('SQLite', async () => {
    const data = tempDir('ine-forward-crash-');
    try {
      await forwardCrashRun('sqlite', { DATA_DIR: data.dir }, async () => {
        const db = new Database(path.join(data.dir, SQLITE_FILE), { readonly: true });
        const rows = db.prepare('SELECT id, seq FROM events ORDER BY seq').all() as StoredIds;
        db.close();
        return rows;
      });
    } finally {
      data.remove();
    }
  });

  it.skipIf(!postgresAvailable)('PostgreSQL', async () => {
    const schema = await createSchema();
    try {
      await forwardCrashRun('postgres', { DATABASE_URL: schema.url }, () => postgresIds(schema.url));
    } finally {
      await schema.drop();
    }
  });

  it.skipIf(!postgresAvailable)(
    'two PostgreSQL replicas drain one outbox: never the same event in flight from both, a dead replica taken over',
    async () => {
      const schema = await createSchema();
      const receiver = await startForwardReceiver();
      // Slow answers widen the window in which two replicas could overlap.
      receiver.delayMs = 5;
      const env = {
        DATABASE_URL: schema.url,
        ...SERVICE_SECRETS,
        FORWARD_URL: receiver.url,
        FORWARD_SECRET,
        FORWARD_TIMEOUT_MS: '1000',
        FORWARD_BACKOFF_MAX_MS: '1000',
      };
      const replicas = [await startProcess(env), await startProcess(env)];
      try {
        const ports = replicas.map((r) => Number(new URL(r.url).port));
        let turn = 0;
        const started = Date.now();
        const first = await deliverAll(makeDeliveries(SHORT ? 300 : 1500), () => ports[turn++ % 2]!, {
          concurrency: 16,
          deadlineMs: 60_000,
        });
        // The replica holding the sink's lease dies; the other takes the lease over once it expires.
        const holder = await leaseOwner(schema.url);
        const dead = replicas.findIndex((r) =>
          r.lines.some((l) => l.msg === 'outbox relay started: forwarding and follow-up fetches' && l.relay === holder),
        );
        expect(dead).toBeGreaterThanOrEqual(0);
        replicas[dead]!.child.kill('SIGKILL');
        await replicas[dead]!.exited;
        const survivor = replicas[1 - dead]!;
        const second = await deliverAll(makeDeliveries(SHORT ? 100 : 500), () => Number(new URL(survivor.url).port), {
          concurrency: 8,
          deadlineMs: 60_000,
        });
        const stored = await postgresIds(schema.url);
        await waitFor('every event forwarded', () => new Set(receiver.received.map((r) => r.id)).size >= stored.length, 60_000);
        const drainedAfterMs = Date.now() - started;
        const http = checkSink('http', stored, receiver.received);
        expect(receiver.maxConcurrentPerId).toBe(1);
        report('forwarding from two PostgreSQL replicas', {
          deliveries: first.acknowledged.size + second.acknowledged.size,
          received: http.received,
          redelivered: http.redelivered,
          maxConcurrentPerId: receiver.maxConcurrentPerId,
          drainedAfterMs,
        });
      } finally {
        for (const r of replicas) r.child.kill('SIGKILL');
        await receiver.stop();
        await schema.drop();
      }
    },
  );
});

async function leaseOwner(url: string): Promise<string> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query<{ o: string }>("SELECT lease_owner AS o FROM sinks WHERE name = 'http'")).rows[0]!.o;
  } finally {
    await c.end();
  }
}

async function postgresIds(url: string): Promise<StoredIds> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const { rows } = await c.query<{ id: string; seq: string }>('SELECT id, seq FROM events ORDER BY seq');
    return rows.map((r) => ({ id: r.id, seq: Number(r.seq) }));
  } finally {
    await c.end();
  }
}
