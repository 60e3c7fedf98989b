import { signHmac } from '../auth/hmac.js';
import type { Clock } from '../clock.js';
import { vendorApi } from '../outbox/http-request.js';
import { DeliveryError, RetryLater, type Target } from '../outbox/target.js';
import { newEventOf } from '../intake/new-event.js';
import { parseJsonBody } from '../providers/json-body.js';
import { classifyVeriff } from '../providers/veriff/classify.js';
import type { EventStore } from '../store/event-store.js';
import { QUEUES } from '../outbox/queues.js';

export interface VeriffDecisionOptions {
  apiUrl: string;
  apiKey: string;
  /** The integration's shared secret: the request is signed with the HMAC of the session id. */
  secret: string;
  /** The first look is this long after the `submitted` event (VERIFF_RECONCILE_AFTER_SECONDS). */
  reconcileAfterMs: number;
  timeoutMs: number;
  store: EventStore;
  clock: Clock;
}

export const VERIFF_DECISION_SINK: string = QUEUES.veriffDecision;
/** Veriff keeps a session's decision to poll for this long; an undecided session is then parked. */
export const VERIFF_POLL_DAYS = 7;
/** "Not decided yet" is asked again after the reconcile delay (at least a second), doubling, at most this far apart. */
const MAX_POLL_INTERVAL_MS = 12 * 3_600_000;
const MIN_POLL_INTERVAL_MS = 1000;

/**
 * Reconciles a Veriff session whose decision webhook never came: queued with its `submitted`
 * event, due VERIFF_RECONCILE_AFTER_SECONDS later. If a decision is stored by then, nothing is
 * asked. Otherwise `GET /v1/sessions/<id>/decision` (x-auth-client, x-hmac-signature = HMAC of the
 * session id): a decision is stored exactly as its webhook would be (same id: the late webhook is
 * then a duplicate); `verification: null` is asked again later, up to Veriff's 7 days.
 */
export function veriffDecisionTarget(options: VeriffDecisionOptions): Target {
  const api = vendorApi(options.apiUrl, {
    sockets: 4,
    timeoutMs: options.timeoutMs,
    headers: { 'x-auth-client': options.apiKey, 'content-type': 'application/json' },
  });

  const decided = async (sessionId: string) => {
    for (let after: string | undefined; ;) {
      const page = await options.store.listEvents({ provider: 'veriff', sessionId, after, limit: 1000 });
      if (page.items.some((e) => e.type === 'decision')) return true;
      if (page.items.length === 0) return false;
      after = page.next!;
    }
  };

  return {
    name: VERIFF_DECISION_SINK,
    describe: `veriff decisions ${api.base.origin}${api.base.pathname}`,
    verb: 'reconciling the Veriff decision',
    ordered: false,
    concurrency: 4,
    maxAgeMs: VERIFF_POLL_DAYS * 86_400_000,
    async deliver(item, stop) {
      const sessionId = item.event.sessionId;
      if (sessionId === null || (await decided(sessionId))) return;
      const answer = await api.call(
        `v1/sessions/${encodeURIComponent(sessionId)}/decision`,
        { method: 'GET', headers: { 'x-hmac-signature': signHmac(options.secret, sessionId) } },
        stop,
      );
      if (answer.status !== 200) throw new DeliveryError(`Veriff decision API answered HTTP ${answer.status}`);
      const parsed = parseJsonBody(answer.body);
      // Said without the parser's message: it may quote the answer.
      if (!parsed.ok) throw new DeliveryError('Veriff decision API answered something other than JSON');
      const verification = (parsed.value as { verification?: unknown } | null)?.verification;
      if (verification === null || verification === undefined) {
        const wait = Math.min(
          MAX_POLL_INTERVAL_MS,
          Math.max(MIN_POLL_INTERVAL_MS, options.reconcileAfterMs) * 2 ** Math.min(item.attempts, 20),
        );
        throw new RetryLater('not decided yet', wait);
      }
      const classified = classifyVeriff(parsed.value);
      if (!classified.ok || classified.event.type !== 'decision' || classified.event.sessionId !== sessionId) {
        throw new DeliveryError("Veriff decision API answered something other than this session's decision");
      }
      // Built as the decision webhook is: the same id, so whichever arrives second is a duplicate.
      await options.store.append(
        newEventOf('veriff', classified.event, parsed.text, {
          integration: 'decision-api',
          receivedAt: new Date(options.clock.now()).toISOString(),
        }),
      );
    },
    async close() {
      api.close();
    },
  };
}
