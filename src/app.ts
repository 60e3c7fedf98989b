import express, { type Express } from 'express';
import { createOAuthIssuer } from './auth/oauth.js';
import type { Clock } from './clock.js';
import type { Config } from './config.js';
import { errorHandler } from './http/error-handler.js';
import { mountHealth } from './http/health.js';
import { mountOAuthRoute } from './http/oauth-route.js';
import { requestId } from './http/request-log.js';
import { mountWebhookRoute } from './http/webhook-route.js';
import type { Logger } from './logger.js';
import type { Metrics } from './metrics.js';
import { createProviders } from './providers/providers.js';
import type { EventStore } from './store/event-store.js';

export interface AppDeps {
  config: Config;
  store: EventStore;
  logger: Logger;
  clock: Clock;
  metrics: Metrics;
}

/** The public app: webhook routes, the OAuth token endpoint, health. Never reads env, never listens. */
export function buildApp({ config, store, logger, clock, metrics }: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', config.trustProxy);
  app.use(requestId);

  const oauth = config.incode.oauth ? createOAuthIssuer(config.incode.oauth, clock) : undefined;
  const providers = createProviders(config, oauth);
  const router = express.Router();
  for (const provider of providers) {
    mountWebhookRoute(router, provider, { store, clock, logger, metrics, bodyLimit: config.bodyLimit });
  }
  if (oauth) mountOAuthRoute(router, oauth, logger, metrics);
  mountHealth(router, store, providers);
  app.use(router);

  app.use((_req, res) => {
    res.status(404).json({ error: 'not_found' });
  });
  app.use(errorHandler(logger));
  return app;
}
