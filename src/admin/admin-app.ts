import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import { z } from 'zod';
import { timingSafeEqualText } from '../auth/timing-safe-equal.js';
import { parseBearer } from '../auth/oauth.js';
import type { Config } from '../config.js';
import { HttpError } from '../errors.js';
import { errorHandler } from '../http/error-handler.js';
import { requestId } from '../http/request-log.js';
import type { Logger } from '../logger.js';
import { toPayloadIssues } from '../providers/zod-issues.js';
import type { EventStore } from '../store/event-store.js';

export interface AdminDeps {
  config: Config;
  store: EventStore;
  logger: Logger;
}

const cursor = z.string().regex(/^\d{1,19}$/, 'must be a cursor returned as next').optional();
const limit = z.coerce.number().int().min(1).max(1000).default(100);
const eventQuery = z.object({
  provider: z.enum(['veriff', 'incode']).optional(),
  sessionId: z.string().min(1).optional(),
  reference: z.string().min(1).optional(),
  after: cursor,
  limit,
});
const pageQuery = z.object({ after: cursor, limit });

function parseQuery<T extends z.ZodType>(schema: T, req: Request): z.infer<T> {
  const parsed = schema.safeParse(req.query);
  if (!parsed.success) throw new HttpError(400, 'invalid_query', { body: { issues: toPayloadIssues(parsed.error) } });
  return parsed.data;
}

/** The admin listener (ADMIN_PORT, never the public port): read access to the log behind ADMIN_TOKEN. */
export function buildAdminApp({ config, store, logger }: AdminDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  app.use(requestId);

  const token = config.adminToken;
  if (token !== undefined) {
    const requireToken = (req: Request, _res: Response, next: NextFunction) => {
      const given = parseBearer(req.headers.authorization);
      if (given === undefined || !timingSafeEqualText(given, token)) {
        logger.warn({ admin: 'refused', path: req.path, reason: given === undefined ? 'missing bearer token' : 'wrong token' }, 'admin request refused');
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
