import type { Clock } from '../clock.js';
import type { Config } from '../config.js';
import { INCODE_SCORE_SINK, incodeScoreTarget } from '../fetch/incode-score.js';
import { VERIFF_DECISION_SINK, veriffDecisionTarget } from '../fetch/veriff-decision.js';
import type { EventStore, NewEvent, OutboxEntry } from '../store/event-store.js';
import { HTTP_SINK, httpSink } from './http-sink.js';
import { NATS_SINK, natsSink } from './nats-sink.js';
import type { Target } from './target.js';

/** The forwarding sinks the configuration turns on (none by default), each under its outbox name. */
function sinks(config: Config, clock: Clock): Target[] {
  const targets: Target[] = [];
  const { forward } = config;
  if (forward.http) targets.push(httpSink({ ...forward.http, timeoutMs: forward.timeoutMs, clock }));
  if (forward.nats) targets.push(natsSink({ ...forward.nats, timeoutMs: forward.timeoutMs }));
  return targets;
}

/** The outbox names of the forwarding sinks the configuration turns on. */
export const forwardSinkNames = (config: Config): string[] => [
  ...(config.forward.http ? [HTTP_SINK] : []),
  ...(config.forward.nats ? [NATS_SINK] : []),
];

/** What the relay drains: the sinks, then the follow-up fetches that are configured. */
export function outboxTargets(config: Config, clock: Clock, store: EventStore): Target[] {
  const targets = sinks(config, clock);
  const { incode, veriff } = config.fetch;
  const timeoutMs = config.forward.timeoutMs;
  if (incode) targets.push(incodeScoreTarget({ ...incode, timeoutMs, store, clock }));
  if (veriff) targets.push(veriffDecisionTarget({ ...veriff, timeoutMs, store, clock }));
  return targets;
}

/**
 * Where a newly stored event is queued: every sink, at once; an Incode INE scraping FINISHED also
 * for its score fetch; a Veriff `submitted` event for its decision's reconciliation, due
 * VERIFF_RECONCILE_AFTER_SECONDS later. Undefined when nothing is configured.
 */
export function outboxRouting(config: Config): ((event: NewEvent) => OutboxEntry[]) | undefined {
  const sinkNames = forwardSinkNames(config);
  const { incode, veriff } = config.fetch;
  if (sinkNames.length === 0 && !incode && !veriff) return undefined;
  return (event) => {
    const now = Date.parse(event.receivedAt);
    const entries = sinkNames.map((sink) => ({ sink, notBefore: now }));
    if (incode && event.provider === 'incode' && event.type === 'ine_scraping' && event.status === 'FINISHED') {
      entries.push({ sink: INCODE_SCORE_SINK, notBefore: now });
    }
    if (veriff && event.provider === 'veriff' && event.type === 'event' && event.status === 'submitted') {
      entries.push({ sink: VERIFF_DECISION_SINK, notBefore: now + veriff.reconcileAfterMs });
    }
    return entries;
  };
}
