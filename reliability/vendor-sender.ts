import { randomUUID } from 'node:crypto';
import { request } from 'node:http';
import { signHmac } from '../src/auth/hmac.js';
import { sampleIncodeIneScraping, sampleVeriffIneRegistry } from '../src/delivery/samples.js';

export const VERIFF_SECRET = 'reliability-veriff-secret';
export const INCODE_HEADER = { name: 'x-webhook-secret', secret: 'reliability-incode-header-secret' };
export const SERVICE_SECRETS = {
  VERIFF_SHARED_SECRET: VERIFF_SECRET,
  INCODE_HEADER_NAME: INCODE_HEADER.name,
  INCODE_HEADER_SECRET: INCODE_HEADER.secret,
};

/** One delivery as a vendor would make it: exact bytes and headers, and the session it is about. */
export interface Delivery {
  sessionId: string;
  path: string;
  body: string;
  headers: Record<string, string>;
}

/** Unique, correctly authenticated deliveries of both vendors, three Veriff to one Incode. */
export function makeDeliveries(count: number): Delivery[] {
  return Array.from({ length: count }, (_, i) => {
    const sessionId = randomUUID();
    if (i % 4 === 3) {
      const body = JSON.stringify(sampleIncodeIneScraping('FINISHED', sessionId, `customer-${i}`));
      return {
        sessionId,
        path: '/webhooks/incode/ine-scraping',
        body,
        headers: { 'content-type': 'application/json', [INCODE_HEADER.name]: INCODE_HEADER.secret },
      };
    }
    const body = JSON.stringify(sampleVeriffIneRegistry(new Date(), { sessionId, vendorData: `customer-${i}` }));
    return {
      sessionId,
      path: '/webhooks/veriff/ine-registry',
      body,
      headers: { 'content-type': 'application/json', 'x-hmac-signature': signHmac(VERIFF_SECRET, body) },
    };
  });
}

export type Answer = { status: number; body: string } | { status: 0; error: string };

/** One POST; a connection refused, reset or timed out is an answer of status 0 (no answer). */
export function post(port: number, d: Delivery, timeoutMs = 5000): Promise<Answer> {
  return new Promise((resolve) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: d.path,
        headers: { ...d.headers, 'content-length': Buffer.byteLength(d.body) },
        agent: false,
        timeout: timeoutMs,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode!, body }));
        res.on('error', (e) => resolve({ status: 0, error: e.message }));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (e) => resolve({ status: 0, error: (e as NodeJS.ErrnoException).code ?? e.message }));
    req.end(d.body);
  });
}

export interface SendReport {
  acknowledged: Set<string>;
  attempts: number;
  retried: number;
  noAnswer: number;
  byStatus: Map<number, number>;
}

/**
 * Delivers every delivery until it is answered 200, as the vendors do: anything else (no answer,
 * 503) is retried after a pause. `port()` is read at each attempt, so the service may restart.
 */
export async function deliverAll(
  deliveries: Delivery[],
  port: () => number,
  options: { concurrency: number; deadlineMs: number; retryDelayMs?: number; more?: () => Delivery[] },
): Promise<SendReport> {
  const report: SendReport = { acknowledged: new Set(), attempts: 0, retried: 0, noAnswer: 0, byStatus: new Map() };
  const queue = [...deliveries];
  const deadline = Date.now() + options.deadlineMs;
  const worker = async () => {
    for (;;) {
      if (queue.length === 0) queue.push(...(options.more?.() ?? []));
      const d = queue.shift();
      if (!d) return;
      for (let attempt = 0; ; attempt += 1) {
        if (Date.now() > deadline) throw new Error(`deadline passed with ${queue.length + 1} deliveries unacknowledged`);
        report.attempts += 1;
        if (attempt > 0) report.retried += 1;
        const answer = await post(port(), d);
        report.byStatus.set(answer.status, (report.byStatus.get(answer.status) ?? 0) + 1);
        if (answer.status === 200) {
          report.acknowledged.add(d.sessionId);
          break;
        }
        if (answer.status === 0) report.noAnswer += 1;
        else if (answer.status !== 503) throw new Error(`unexpected ${answer.status} ${'body' in answer ? answer.body : ''} for ${d.path}`);
        await new Promise((r) => setTimeout(r, options.retryDelayMs ?? 50));
      }
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  return report;
}
