import type { Clock } from '../clock.js';
import { vendorApi, type VendorApi } from '../outbox/http-request.js';
import { DeliveryError, type Target } from '../outbox/target.js';
import { newEventOf } from '../intake/new-event.js';
import { parseJsonBody } from '../providers/json-body.js';
import { incodeScoreSummary } from '../sessions/incode-score-summary.js';
import type { EventStore } from '../store/event-store.js';
import { QUEUES } from '../outbox/queues.js';

export interface IncodeScoreOptions {
  apiUrl: string;
  apiKey: string;
  email: string;
  password: string;
  timeoutMs: number;
  store: EventStore;
  clock: Clock;
}

export const INCODE_SCORE_SINK: string = QUEUES.incodeScore;
/** Incode's executive tokens last about 24 hours: one older than this is renewed before use. */
export const TOKEN_MAX_AGE_MS = 12 * 3_600_000;

/**
 * The executive log-in token, shared: one log-in serves every fetch until the token is refused or
 * old, and fetches that need a token at the same moment wait for the same log-in.
 */
function executiveTokens(options: IncodeScoreOptions, api: VendorApi) {
  let current: { token: Promise<string>; at: number; value?: string } | undefined;
  let logins = 0;
  const logIn = async (stop: AbortSignal) => {
    const body = JSON.stringify({ email: options.email, password: options.password });
    const answer = await api.call('/executive/log-in', { method: 'POST', headers: { 'content-type': 'application/json' }, body }, stop);
    if (answer.status !== 200) throw new DeliveryError(`Incode log-in answered HTTP ${answer.status}`);
    const parsed = parseJsonBody(answer.body);
    const token = parsed.ok ? (parsed.value as { token?: unknown } | null)?.token : undefined;
    if (typeof token !== 'string' || token === '') throw new DeliveryError('Incode log-in answered without a token');
    return token;
  };
  return {
    logins: () => logins,
    get(stop: AbortSignal): Promise<string> {
      if (current && options.clock.now() - current.at < TOKEN_MAX_AGE_MS) return current.token;
      logins += 1;
      const attempt: NonNullable<typeof current> = { at: options.clock.now(), token: logIn(stop) };
      current = attempt;
      attempt.token.then(
        (token) => (attempt.value = token),
        // A failed log-in is not kept: the next fetch logs in again.
        () => current === attempt && (current = undefined),
      );
      return attempt.token;
    },
    /** The API refused this token: the next fetch logs in again, unless another fetch already did. */
    refused(token: string): void {
      if (current?.value === token) current = undefined;
    },
  };
}

/**
 * Fetches Incode's INE result after a FINISHED notification: `GET /omni/get/score?id=<InterviewId>`
 * with the executive token, stored whole as an Incode `score` event (status = overall.status),
 * which is then forwarded like any other. A refused token is renewed once per attempt.
 */
export function incodeScoreTarget(options: IncodeScoreOptions): Target & { logins(): number } {
  const api = vendorApi(options.apiUrl, {
    sockets: 4,
    timeoutMs: options.timeoutMs,
    headers: { 'x-api-key': options.apiKey, 'api-version': '1.0' },
  });
  const tokens = executiveTokens(options, api);

  return {
    name: INCODE_SCORE_SINK,
    describe: `incode score ${api.base.origin}${api.base.pathname}`,
    verb: 'fetching the Incode score',
    ordered: false,
    concurrency: 4,
    logins: tokens.logins,
    async deliver(item, stop) {
      const interviewId = item.event.sessionId;
      if (interviewId === null) return; // cannot happen: a FINISHED event always has its InterviewId
      let answer;
      for (let attempt = 1; ; attempt += 1) {
        const token = await tokens.get(stop);
        answer = await api.call(
          `/omni/get/score?id=${encodeURIComponent(interviewId)}`,
          { method: 'GET', headers: { 'X-Incode-Hardware-Id': token } },
          stop,
        );
        if ((answer.status === 401 || answer.status === 403) && attempt === 1) {
          tokens.refused(token);
          continue;
        }
        break;
      }
      if (answer.status !== 200) throw new DeliveryError(`Incode score answered HTTP ${answer.status}`);
      const parsed = parseJsonBody(answer.body);
      if (!parsed.ok || typeof parsed.value !== 'object' || parsed.value === null || Array.isArray(parsed.value)) {
        throw new DeliveryError('Incode score answered something other than a JSON object');
      }
      const score = parsed.value;
      const event = {
        type: 'score',
        sessionId: interviewId,
        reference: item.event.reference,
        status: incodeScoreSummary(score).status,
        vendorTime: null,
        // The InterviewId and the whole answer: a fetch repeated (a redrive) is a duplicate.
        dedupeMaterial: { InterviewId: interviewId, score },
        recognised: true,
      };
      await options.store.append(
        newEventOf('incode', event, parsed.text, { integration: 'score-api', receivedAt: new Date(options.clock.now()).toISOString() }),
      );
    },
    async close() {
      api.close();
    },
  };
}
