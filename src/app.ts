import express from 'express';
import { createOAuthIssuer } from './auth/oauth.js';
import type { Clock } from './clock.js';
import type { Config } from './config.js';
import { createBodySlots } from './http/body-slots.js';
import { errorHandler } from './http/error-handler.js';
import { mountHealth } from './http/health.js';
import { mountOAuthRoute } from './http/oauth-route.js';
import { mountWebhookRoute } from './http/webhook-route.js';
import type { Logger } from './logger.js';
import type { Metrics } from './metrics.js';
import type { ActivityCounts } from './activity/activity-counts.js';
import { createProviders } from './providers/providers.js';
import type { EventStore } from './store/event-store.js';

export interface AppDeps {
  config: Config;
  store: EventStore;
  logger: Logger;
  clock: Clock;
  metrics: Metrics;
  /** Deliveries per hour, vendor and outcome, for the console's Activity chart (flushed by its owner). */
  activity: ActivityCounts;
  /** This installation's id (the store's): the audience of its OAuth tokens unless INCODE_OAUTH_AUDIENCE says another. */
  installationId: string;
}

/**
 * The public app: the webhook routes (webhook-route.ts lists their middleware), the OAuth token
 * endpoint, health; everything else 404. Never reads env, never listens.
 */
export function buildApp({ config, store, logger, clock, metrics, activity, installationId }: AppDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  // Webhook answers are never cached; hashing each body for an ETag is wasted work.
  app.set('etag', false);
  app.set('trust proxy', config.trustProxy);

  const oauth = config.incode.oauth
    ? createOAuthIssuer(config.incode.oauth, clock, config.incode.oauth.audience ?? `ine-webhooks/incode/${installationId}`)
    : undefined;
  const providers = createProviders(config, oauth);
  const bodyPools = { verified: createBodySlots(config.maxBodiesInFlight), unverified: createBodySlots(config.maxBodiesInFlight) };
  for (const provider of providers) {
    if (!provider.access.configured) {
      // A closed route answers 503 to its vendor: say so once, loudly, at start.
      logger.warn(
        { provider: provider.name, missing: provider.access.missing },
        `${provider.name} route is closed (503 not_configured): set ${provider.access.missing.join(' / ')}`,
      );
    }
    mountWebhookRoute(app, provider, {
      store,
      clock,
      logger,
      metrics,
      activity,
      bodyLimit: config.bodyLimit,
      bodyPools,
      bodyPace: config.bodyPace,
    });
  }
  if (oauth) mountOAuthRoute(app, oauth, logger, metrics);
  mountHealth(app, store, providers, logger);

  app.use((_req, res) => {
    res.status(404).json({ error: 'not_found' });
  });
  app.use(errorHandler(logger));
  return app;
}
