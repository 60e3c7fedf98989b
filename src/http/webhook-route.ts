import type { IRouter } from 'express';
import type { Clock } from '../clock.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import type { ActivityCounts } from '../activity/activity-counts.js';
import type { Provider } from '../providers/provider.js';
import type { EventStore } from '../store/event-store.js';
import { rawBody, type BodyPace, type BodyPools } from './raw-body.js';
import { webhookLog } from './request-log.js';
import { receiveDelivery } from './receive-delivery.js';
import { deliveryHeaders, methodNotAllowed } from './route-guards.js';

export interface WebhookRouteDeps {
  store: EventStore;
  clock: Clock;
  logger: Logger;
  metrics: Metrics;
  /** Deliveries per hour for the console's Activity chart. */
  activity: ActivityCounts;
  bodyLimit: number;
  /** Shared by every webhook route: how many bodies are read at once, per kind of route. */
  bodyPools: BodyPools;
  /** How fast a body must arrive. */
  bodyPace: BodyPace;
}

/**
 * A provider's webhook route, as Express middleware in the order a request meets them: one log
 * line → configured (503) → source address (403) → header credentials (401) → size, type and the
 * raw bytes (413, 415) → signature over the bytes (401) → JSON and classification (400,
 * quarantined) → append and answer (200, or 503). Errors go to the app's one error handler.
 */
export function mountWebhookRoute(router: IRouter, provider: Provider, deps: WebhookRouteDeps): void {
  const paths = [...provider.paths];
  router.all(paths, webhookLog(provider.name, deps.logger, deps.metrics, deps.activity));
  router.post(
    paths,
    deliveryHeaders(provider),
    rawBody(deps.bodyLimit, deps.bodyPools, deps.bodyPace),
    receiveDelivery(provider, deps.store, deps.clock),
  );
  router.all(paths, methodNotAllowed);
}
