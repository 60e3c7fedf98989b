import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import { z } from 'zod';
import { timingSafeEqualText } from '../auth/timing-safe-equal.js';
import { parseBearer } from '../auth/oauth.js';
import type { Config } from '../config.js';
import { HttpError } from '../errors.js';
import { errorHandler } from '../http/error-handler.js';
import { requestId } from '../http/request-log.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import { toPayloadIssues } from '../providers/zod-issues.js';
import { sessionById, sessionsByReference } from '../sessions/session-view.js';
import type { EventStore } from '../store/event-store.js';

export interface AdminDeps {
  config: Config;
  store: EventStore;
  logger: Logger;
  metrics: Metrics;
}

const cursor = z
  .string()
  .regex(/^\d{1,19}$/, 'must be a cursor returned as next')
  .optional();
const limit = z.coerce.number().int().min(1).max(1000).default(100);
const eventQuery = z.object({
  provider: z.enum(['veriff', 'incode']).optional(),
  sessionId: z.string().min(1).optional(),
  reference: z.string().min(1).optional(),
  after: cursor,
  limit,
});
const pageQuery = z.object({ after: cursor, limit });
const referenceQuery = z.object({
  reference: z.string({ error: 'required: the customer reference (Veriff vendorData / Incode externalId)' }).min(1),
});

function parseQuery<T extends z.ZodType>(schema: T, req: Request): z.infer<T> {
  const parsed = schema.safeParse(req.query);
  if (!parsed.success) throw new HttpError(400, 'invalid_query', { body: { issues: toPayloadIssues(parsed.error) } });
  return parsed.data;
}

/** The admin listener (ADMIN_PORT, never the public port): read access to the log behind ADMIN_TOKEN. */
export function buildAdminApp({ config, store, logger, metrics }: AdminDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  app.use(requestId);

  // Prometheus scrapes without credentials: the admin port is private, and metrics carry no data.
  app.get('/metrics', async (_req, res) => {
    res.setHeader('content-type', metrics.registry.contentType);
    res.send(await metrics.registry.metrics());
  });

  const token = config.adminToken;
  if (token !== undefined) {
    const requireToken = (req: Request, _res: Response, next: NextFunction) => {
      const given = parseBearer(req.headers.authorization);
      if (given === undefined || !timingSafeEqualText(given, token)) {
        logger.warn(
          { admin: 'refused', path: req.path, reason: given === undefined ? 'missing bearer token' : 'wrong token' },
          'admin request refused',
        );
        throw new HttpError(401, 'unauthorized', { headers: { 'www-authenticate': 'Bearer' } });
      }
      next();
    };

    app.get('/events', requireToken, async (req, res) => {
      const q = parseQuery(eventQuery, req);
      const page = await store.listEvents(q);
      res.json({ events: page.items, next: page.next });
    });

    app.get('/events/:id', requireToken, async (req, res) => {
      const event = await store.getEvent(String(req.params.id));
      if (!event) throw new HttpError(404, 'not_found');
      res.json(event);
    });

    app.get('/sessions/:sessionId', requireToken, async (req, res) => {
      const view = await sessionById(store, String(req.params.sessionId));
      if (!view) throw new HttpError(404, 'not_found');
      res.json(view);
    });

    app.get('/sessions', requireToken, async (req, res) => {
      const { reference } = parseQuery(referenceQuery, req);
      res.json({ reference, sessions: await sessionsByReference(store, reference) });
    });

    app.get('/quarantine/:id', requireToken, async (req, res) => {
      const item = await store.getQuarantineItem(String(req.params.id));
      if (!item) throw new HttpError(404, 'not_found');
      res.json(item);
    });

    app.get('/quarantine', requireToken, async (req, res) => {
      const q = parseQuery(pageQuery, req);
      const page = await store.listQuarantine(q);
      res.json({ items: page.items, next: page.next });
    });
  }

  app.use((_req, res) => {
    res.status(404).json({ error: 'not_found' });
  });
  app.use(errorHandler(logger));
  return app;
}
