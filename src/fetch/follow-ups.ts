import type { Clock } from '../clock.js';
import type { Config } from '../config.js';
import type { QueueRegistry } from '../outbox/queues.js';
import { INCODE_SCORE_SINK, incodeScoreTarget } from './incode-score.js';
import { VERIFF_DECISION_SINK, veriffDecisionTarget } from './veriff-decision.js';

/**
 * Registers the follow-up fetches that are configured: an Incode INE scraping FINISHED enters the
 * score fetch at once; a Veriff `submitted` event enters the decision's reconciliation,
 * VERIFF_RECONCILE_AFTER_SECONDS later.
 */
export function registerFollowUps(registry: QueueRegistry, config: Config, clock: Clock): void {
  const { incode, veriff } = config.fetch;
  const timeoutMs = config.forward.timeoutMs;
  if (incode) {
    registry.register({
      name: INCODE_SCORE_SINK,
      kind: 'fetch',
      route: (e) =>
        e.provider === 'incode' && e.type === 'ine_scraping' && e.status === 'FINISHED' ? Date.parse(e.receivedAt) : undefined,
      target: (store) => incodeScoreTarget({ ...incode, timeoutMs, store, clock }),
    });
  }
  if (veriff) {
    registry.register({
      name: VERIFF_DECISION_SINK,
      kind: 'fetch',
      route: (e) =>
        e.provider === 'veriff' && e.type === 'event' && e.status === 'submitted'
          ? Date.parse(e.receivedAt) + veriff.reconcileAfterMs
          : undefined,
      target: (store) => veriffDecisionTarget({ ...veriff, timeoutMs, store, clock }),
    });
  }
}
