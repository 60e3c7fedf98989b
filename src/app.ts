import type { IncomingMessage, ServerResponse } from 'node:http';
import express from 'express';
import proxyaddr from 'proxy-addr';
import { createOAuthIssuer } from './auth/oauth.js';
import type { Clock } from './clock.js';
import type { Config } from './config.js';
import { createAuthFailureLimiter } from './http/auth-failure-limiter.js';
import { errorHandler } from './http/error-handler.js';
import { mountHealth } from './http/health.js';
import { mountOAuthRoute } from './http/oauth-route.js';
import { webhookHandler, type WebhookHandler } from './http/webhook-route.js';
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

/** A Node request listener: what createServer and supertest take. */
export type App = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * The public app: webhook routes, the OAuth token endpoint, health. Never reads env, never
 * listens. A request for a webhook route's exact path goes straight to its handler; Express
 * serves everything else (and the other spellings of those paths, to the same handlers).
 */
export function buildApp({ config, store, logger, clock, metrics }: AppDeps): App {
  const app = express();
  app.disable('x-powered-by');
  // Webhook answers are never cached; hashing each body for an ETag is wasted work.
  app.set('etag', false);
  app.set('trust proxy', config.trustProxy);

  const oauth = config.incode.oauth ? createOAuthIssuer(config.incode.oauth, clock) : undefined;
  const providers = createProviders(config, oauth);
  const limiter = createAuthFailureLimiter({ ...config.authFailures, clock });
  // The function Express's req.ip uses, so both ways in read the client's address alike.
  const trust = app.get('trust proxy fn') as Parameters<typeof proxyaddr>[1];
  const clientIp = (req: IncomingMessage) => proxyaddr(req, trust);
  const webhooks = new Map<string, WebhookHandler>();
  for (const provider of providers) {
    const handler = webhookHandler(provider, { store, clock, logger, metrics, limiter, bodyLimit: config.bodyLimit, clientIp });
    webhooks.set(provider.path, handler);
    app.all(provider.path, (req, res) => handler(req, res));
  }
  if (oauth) mountOAuthRoute(app, oauth, logger, metrics, limiter);
  mountHealth(app, store, providers);

  app.use((_req, res) => {
    res.status(404).json({ error: 'not_found' });
  });
  app.use(errorHandler(logger));
  return (req, res) => {
    // Express's own work per request (its request and response objects, the router) was half
    // of a webhook's CPU, as much as the whole pipeline (BENCHMARKS.md): webhooks skip it.
    const webhook = webhooks.get(req.url ?? '');
    if (webhook) webhook(req, res);
    else app(req, res);
  };
}
