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
import { eventJson, sessionJson } from '../sessions/session-json.js';
import { sessionById, sessionsByReference } from '../sessions/session-view.js';
import type { EventStore } from '../store/event-store.js';
import { sinksReport } from '../forward/sinks-report.js';
import { systemClock, type Clock } from '../clock.js';

export interface AdminDeps {
  config: Config;
  store: EventStore;
  logger: Logger;
  metrics: Metrics;
  /** The configured sinks, for /sinks. */
  sinks?: { name: string; describe: string }[];
  clock?: Clock;
}

/** The largest seq either backend can hold (a signed 64-bit integer). */
const MAX_SEQ = 9_223_372_036_854_775_807n;
const cursor = z
  .string()
  .refine((text) => /^\d{1,19}$/.test(text) && BigInt(text) <= MAX_SEQ, 'must be a cursor returned as next')
  .optional();
const limit = z.coerce.number().int().min(1).max(1000).default(100);
/** An identifier as the store keeps it: no NUL character (PostgreSQL text cannot hold one, so none is stored). */
const identifier = z
  .string()
  .min(1)
  .max(1024)
  .refine((text) => !text.includes('\u0000'), 'must not contain a NUL character');
const eventQuery = z.object({
  provider: z.enum(['veriff', 'incode']).optional(),
  sessionId: identifier.optional(),
  reference: identifier.optional(),
  after: cursor,
  limit,
});
const pageQuery = z.object({ after: cursor, limit });
const parkedQuery = z.object({
  sink: identifier.optional(),
  after: z
    .string()
    .regex(/^\d{1,19}:/, 'must be a cursor returned as parked.next')
    .pipe(identifier)
    .optional(),
  limit,
});
const referenceQuery = z.object({
  reference: z.string({ error: 'required: the customer reference (Veriff vendorData / Incode externalId)' }).pipe(identifier),
  after: cursor,
});

/** Sends JSON text built from the stored bytes (session-json.ts). */
const sendJson = (res: Response, text: string) => res.type('application/json').send(text);

/** A path parameter checked like a query one: 400 for what no stored row can have. */
function parseParam(req: Request, name: string): string {
  const parsed = identifier.safeParse(req.params[name]);
  if (!parsed.success) {
    throw new HttpError(400, 'invalid_parameter', { body: { issues: toPayloadIssues(parsed.error).map((i) => ({ ...i, path: name })) } });
  }
  return parsed.data;
}

function parseQuery<T extends z.ZodType>(schema: T, req: Request): z.infer<T> {
  const parsed = schema.safeParse(req.query);
  if (!parsed.success) throw new HttpError(400, 'invalid_query', { body: { issues: toPayloadIssues(parsed.error) } });
  return parsed.data;
}

/** The admin listener (ADMIN_PORT, never the public port): read access to the log behind ADMIN_TOKEN. */
export function buildAdminApp({ config, store, logger, metrics, sinks = [], clock = systemClock }: AdminDeps): Express {
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
      sendJson(res, `{"events":[${page.items.map(eventJson).join(',')}],"next":${JSON.stringify(page.next)}}`);
    });

    app.get('/events/:id', requireToken, async (req, res) => {
      const event = await store.getEvent(parseParam(req, 'id'));
      if (!event) throw new HttpError(404, 'not_found');
      sendJson(res, eventJson(event));
    });

    app.get('/sessions/:sessionId', requireToken, async (req, res) => {
      const view = await sessionById(store, parseParam(req, 'sessionId'));
      if (!view) throw new HttpError(404, 'not_found');
      sendJson(res, sessionJson(view));
    });

    app.get('/sessions', requireToken, async (req, res) => {
      const { reference, after } = parseQuery(referenceQuery, req);
      const page = await sessionsByReference(store, reference, after);
      sendJson(
        res,
        `{"reference":${JSON.stringify(reference)},"sessions":[${page.sessions.map(sessionJson).join(',')}],"next":${JSON.stringify(page.next)}}`,
      );
    });

    app.get('/quarantine/:id', requireToken, async (req, res) => {
      const item = await store.getQuarantineItem(parseParam(req, 'id'));
      if (!item) throw new HttpError(404, 'not_found');
      res.json(item);
    });

    app.get('/sinks', requireToken, async (req, res) => {
      const q = parseQuery(parkedQuery, req);
      const [report, parked] = await Promise.all([sinksReport(store.outbox, sinks, clock.now()), store.outbox.parked(q)]);
      res.json({ sinks: report, parked });
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
