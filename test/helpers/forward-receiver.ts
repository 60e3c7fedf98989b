import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { startRelay, type Relay, type RelayOptions } from '../../src/outbox/relay.js';

/** A relay as tests run it: quick polls, short timeouts and backoff; `overrides` for what a test exercises. */
export function testRelay(
  base: Pick<RelayOptions, 'outbox' | 'targets' | 'clock' | 'logger'>,
  overrides: Partial<RelayOptions> = {},
): Relay {
  return startRelay({ timeoutMs: 500, backoffMaxMs: 1000, maxAttempts: 20, maxAgeMs: 3_600_000, pollMs: 10, ...base, ...overrides });
}

/** A store's routing that queues every new event for the named sinks, due at once. */
export const routeTo =
  (...sinks: string[]) =>
  (event: { receivedAt: string }) =>
    sinks.map((sink) => ({ sink, notBefore: Date.parse(event.receivedAt) }));

export const FORWARD_SECRET = `whsec_${Buffer.from('forward-signing-key-0123456789ab').toString('base64')}`;

export interface Received {
  id: string;
  seq: number;
  type: string;
  sessionId: string | null;
  status: string | null;
  payload: unknown;
  headers: IncomingMessage['headers'];
}

export interface ForwardReceiver {
  url: string;
  /** Every verified delivery, in arrival order (redeliveries included). */
  received: Received[];
  /** Deliveries whose signature did not verify (answered 401). */
  forged: number;
  /** How many deliveries were being handled at once, at most, for one event id. */
  maxConcurrentPerId: number;
  /** What the receiver answers; `answer = 503` makes it refuse. */
  answer: number;
  /** An answer for one event, over `answer` (e.g. refuse one event only). */
  answerFor: ((event: { id: string; sessionId: string | null }) => number | undefined) | undefined;
  /** Holds each answer this long. */
  delayMs: number;
  /** Stops listening (connections refused) until start(). */
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Distinct event ids in order of first arrival. */
  firstArrivals(): Received[];
}

/**
 * A company's receiving end, as the README tells one to write it: the raw body, verified with
 * the `standardwebhooks` package, then answered. It listens on one port across stop/start.
 */
export async function startForwardReceiver(secret = FORWARD_SECRET): Promise<ForwardReceiver> {
  const webhook = new Webhook(secret);
  const inFlight = new Map<string, number>();
  let server: Server;
  let port = 0;
  const receiver: ForwardReceiver = {
    url: '',
    received: [],
    forged: 0,
    maxConcurrentPerId: 0,
    answer: 204,
    answerFor: undefined,
    delayMs: 0,
    async stop() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
    async start() {
      server = createServer(async (req, res) => {
        const chunks: Buffer[] = [];
        for await (const chunk of req) chunks.push(chunk as Buffer);
        const body = Buffer.concat(chunks).toString('utf8');
        let event: Omit<Received, 'headers'>;
        try {
          event = webhook.verify(body, req.headers as Record<string, string>) as Omit<Received, 'headers'>;
        } catch {
          receiver.forged++;
          res.writeHead(401).end();
          return;
        }
        const now = (inFlight.get(event.id) ?? 0) + 1;
        inFlight.set(event.id, now);
        receiver.maxConcurrentPerId = Math.max(receiver.maxConcurrentPerId, now);
        if (receiver.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, receiver.delayMs));
        inFlight.set(event.id, inFlight.get(event.id)! - 1);
        const answer = receiver.answerFor?.(event) ?? receiver.answer;
        if (answer >= 200 && answer < 300) receiver.received.push({ ...event, seq: Number(event.seq), headers: req.headers });
        if (!res.destroyed) res.writeHead(answer).end();
      });
      await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
      port = (server.address() as AddressInfo).port;
      receiver.url = `http://127.0.0.1:${port}/hooks/ine`;
    },
    firstArrivals() {
      const seen = new Set<string>();
      return receiver.received.filter((r) => !seen.has(r.id) && seen.add(r.id));
    },
  };
  await receiver.start();
  return receiver;
}
