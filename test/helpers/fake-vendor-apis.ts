import { createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export const INCODE_API_KEY = 'incode-api-key-test';
export const EXECUTIVE = { email: 'ops@lender.example', password: 'executive-password' };
export const VERIFF_API_KEY = 'veriff-api-key-test';

export interface ApiCall {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  status: number;
}

/** The settings that point both fetchers at the fakes (reconciliation after `reconcileAfterSeconds`). */
export function fetcherSettings(url: string, reconcileAfterSeconds: number): Record<string, string> {
  return {
    INCODE_API_URL: url,
    INCODE_API_KEY,
    INCODE_EXECUTIVE_EMAIL: EXECUTIVE.email,
    INCODE_EXECUTIVE_PASSWORD: EXECUTIVE.password,
    VERIFF_API_URL: url,
    VERIFF_API_KEY,
    VERIFF_RECONCILE_AFTER_SECONDS: String(reconcileAfterSeconds),
  };
}

/** Incode's score answer as its docs shape it, for one interview. */
export function sampleScore(status = 'OK'): Record<string, unknown> {
  return {
    idValidation: { overall: { value: '95.2', status: 'OK' } },
    liveness: { overall: { value: '99.1', status: 'OK' } },
    governmentValidation: { overall: { value: status === 'FAIL' ? '0' : '100', status }, recognitionConfidence: { status } },
    overall: { value: status === 'OK' ? '97.0' : '40.0', status },
  };
}

/**
 * Local fakes of the two vendor APIs the service calls, strict about every header. Incode:
 * `POST /executive/log-in` and `GET /omni/get/score`; Veriff: `GET /v1/sessions/:id/decision`.
 * Answers can be made to fail, stall, or expire tokens, to drive the retries.
 */
export async function startFakeVendorApis(veriffSecret: string) {
  const calls: ApiCall[] = [];
  const valid = new Set<string>();
  let tokens = 0;
  const api = {
    url: '',
    calls,
    /** Score answers by InterviewId (default: sampleScore()). */
    scores: new Map<string, unknown>(),
    /** Decisions by Veriff session id; a session not here is undecided (`verification: null`). */
    decisions: new Map<string, Record<string, unknown>>(),
    /** The next N score requests answer 503. */
    failScores: 0,
    /** The next N Veriff decision requests answer 502. */
    failDecisions: 0,
    /** The next N score or decision answers are 200 with bytes that are not UTF-8 (so not JSON). */
    garbled: 0,
    /** Each score answer waits this long. */
    scoreDelayMs: 0,
    logins: () => calls.filter((c) => c.path === '/executive/log-in').length,
    scoreCalls: () => calls.filter((c) => c.path.startsWith('/omni/get/score')),
    decisionCalls: () => calls.filter((c) => c.path.startsWith('/v1/sessions/')),
    /** Every token issued so far stops working (a log-in that expires mid-run). */
    expireTokens: () => valid.clear(),
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url!, 'http://fake');
    const answer = (status: number, json?: unknown) => {
      calls.push({ method: req.method!, path: `${url.pathname}${url.search}`, headers: req.headers, body, status });
      res.writeHead(status, { 'content-type': 'application/json' }).end(json === undefined ? '' : JSON.stringify(json));
    };
    const result = (json: unknown) => {
      if (api.garbled === 0) return answer(200, json);
      api.garbled -= 1;
      calls.push({ method: req.method!, path: `${url.pathname}${url.search}`, headers: req.headers, body, status: 200 });
      res.writeHead(200, { 'content-type': 'application/json' }).end(Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]));
    };
    const incodeHeaders = req.headers['x-api-key'] === INCODE_API_KEY && req.headers['api-version'] === '1.0';
    if (req.method === 'POST' && url.pathname === '/executive/log-in') {
      let creds: { email?: string; password?: string };
      try {
        creds = JSON.parse(body);
      } catch {
        return answer(400, { error: 'bad json' });
      }
      if (!incodeHeaders || req.headers['content-type'] !== 'application/json') return answer(400, { error: 'headers' });
      if (creds.email !== EXECUTIVE.email || creds.password !== EXECUTIVE.password) return answer(401, { error: 'credentials' });
      const token = `token-${++tokens}`;
      valid.add(token);
      return answer(200, { token });
    }
    if (req.method === 'GET' && url.pathname === '/omni/get/score') {
      if (!incodeHeaders) return answer(400, { error: 'headers' });
      if (!valid.has(String(req.headers['x-incode-hardware-id']))) return answer(401, { error: 'token expired' });
      if (api.scoreDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, api.scoreDelayMs));
      if (api.failScores > 0) {
        api.failScores -= 1;
        return answer(503, { error: 'unavailable' });
      }
      const id = url.searchParams.get('id')!;
      return result(api.scores.get(id) ?? sampleScore());
    }
    const decision = /^\/v1\/sessions\/([^/]+)\/decision$/.exec(url.pathname);
    if (req.method === 'GET' && decision) {
      const id = decodeURIComponent(decision[1]!);
      const signature = createHmac('sha256', veriffSecret).update(id).digest('hex');
      if (req.headers['x-auth-client'] !== VERIFF_API_KEY || req.headers['x-hmac-signature'] !== signature) {
        return answer(401, {
          status: 'fail',
          code: '1102',
          message: 'Mandatory X-HMAC-SIGNATURE header containing the SHA256 hash of the payload.',
        });
      }
      if (api.failDecisions > 0) {
        api.failDecisions -= 1;
        return answer(502, { error: 'bad gateway' });
      }
      const verification = api.decisions.get(id);
      return result({ status: 'success', verification: verification ?? null });
    }
    answer(404, { error: 'not found' });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  api.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return api;
}

/** A Veriff decision (the `verification` object) for a session, as the decision webhook and API carry it. */
export function sampleVerification(sessionId: string, status = 'approved', vendorData = 'customer-42'): Record<string, unknown> {
  return {
    id: sessionId,
    attemptId: `${sessionId}-attempt-1`,
    vendorData,
    status,
    code: 9001,
    reason: null,
    reasonCode: null,
    decisionTime: '2026-11-22T10:30:00.000Z',
    acceptanceTime: '2026-11-22T10:00:00.000Z',
    person: { firstName: 'MARIA', lastName: 'LOPEZ' },
    document: { type: 'ID_CARD', country: 'MX' },
  };
}
