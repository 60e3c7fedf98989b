import express, { type Express, type Request, type Response } from 'express';
import { z } from 'zod';
import { generateAccessKey, hashAccessKey, KEY_NAME, KEY_NAME_RULE } from '../access/access-key.js';
import { createAdminAuth } from '../access/admin-auth.js';
import { createAuditTrail } from '../access/audit-trail.js';
import { payloadView } from '../access/payload-access.js';
import { ROLES } from '../access/roles.js';
import type { Config } from '../config.js';
import { HttpError } from '../errors.js';
import { MAX_IDENTIFIER } from '../intake/receive-webhook.js';
import { errorHandler } from '../http/error-handler.js';
import { requestId } from '../http/request-log.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import { toPayloadIssues } from '../providers/zod-issues.js';
import { eventJson, sessionJson } from '../sessions/session-json.js';
import { sessionById, sessionsByReference } from '../sessions/session-view.js';
import type { EventStore, QuarantineItem, Subject } from '../store/event-store.js';
import { subjectActions } from '../privacy/subjects.js';
import { sinksReport } from '../outbox/sinks-report.js';
import { systemClock, type Clock } from '../clock.js';
import { isoInstant, ISO_INSTANT_RULE } from '../iso-instant.js';
import { createReplay } from '../forward/replay.js';
import { createRedrive } from '../outbox/redrive.js';
import type { QueueRegistry } from '../outbox/queues.js';
import { consoleRouter, PUBLIC_DIR, SECURITY_HEADERS } from '../console/console-app.js';
import type { ActivityCounts } from '../activity/activity-counts.js';

export interface AdminDeps {
  config: Config;
  store: EventStore;
  logger: Logger;
  metrics: Metrics;
  /** This process's delivery counts: flushed before the Activity chart is read. */
  activity: ActivityCounts;
  /** The configured queues: their targets (for /sinks), the sinks' names (replay), the routing (erasure notices). */
  queues: QueueRegistry;
  /** The targets the relay drains (queues.targets(store), made once). */
  sinks: { name: string; describe: string }[];
  clock?: Clock;
}

/** The largest seq either backend can hold (a signed 64-bit integer). */
const MAX_SEQ = 9_223_372_036_854_775_807n;
const cursor = z
  .string()
  .refine((text) => /^\d{1,19}$/.test(text) && BigInt(text) <= MAX_SEQ, 'must be a cursor returned as next')
  .optional();
/** A plain decimal from 1 to 1000 (not `1e3`, ` 5` or `0x10`), 100 when absent. */
const limit = z
  .string()
  .regex(/^[0-9]{1,4}$/, 'must be a whole number from 1 to 1000')
  .optional()
  .transform((v) => (v === undefined ? 100 : Number(v)))
  .pipe(z.number().min(1, 'must be a whole number from 1 to 1000').max(1000, 'must be a whole number from 1 to 1000'));
/** An identifier as the store keeps it: no NUL character (PostgreSQL text cannot hold one, so none is stored), up to the length intake keeps. */
const identifier = z
  .string()
  .min(1)
  .max(MAX_IDENTIFIER)
  .refine((text) => !text.includes('\u0000'), 'must not contain a NUL character');
const eventQuery = z.strictObject({
  provider: z.enum(['veriff', 'incode']).optional(),
  sessionId: identifier.optional(),
  reference: identifier.optional(),
  after: cursor,
  limit,
});
const pageQuery = z.strictObject({ after: cursor, limit });
const parkedQuery = z.strictObject({
  sink: identifier.optional(),
  after: z
    .string()
    .regex(/^\d{1,19}:/, 'must be a cursor returned as parked.next')
    .pipe(identifier)
    .optional(),
  limit,
});
const referenceQuery = z.strictObject({
  reference: z.string({ error: 'required: the customer reference (Veriff vendorData / Incode externalId)' }).pipe(identifier),
  after: cursor,
});
const auditQuery = z.strictObject({
  actor: identifier.optional(),
  subject: identifier.optional(),
  order: z.enum(['oldest', 'newest']).default('oldest'),
  after: cursor,
  limit,
});
const redriveBody = z
  .strictObject({ sink: identifier.optional(), eventId: identifier.optional(), all: z.literal(true).optional() })
  .refine((b) => (b.eventId === undefined) !== (b.all === undefined), 'give either eventId or "all": true');
/** A subject of the README's "Personal data": exactly one of a customer reference or a session id. */
const subjectFields = { reference: identifier.optional(), sessionId: identifier.optional() };
const oneSubject = (b: { reference?: string | undefined; sessionId?: string | undefined }) =>
  (b.reference === undefined) !== (b.sessionId === undefined);
const SUBJECT_RULE = 'give exactly one of reference and sessionId';
const reasonField = z
  .string({ error: 'required: why (a ticket number or a sentence)' })
  .trim()
  .min(1, 'required: why (a ticket number or a sentence)')
  .max(500);
/** An ISO 8601 date or date-time, as the instant it names. */
const instant = z
  .string()
  .refine((t) => isoInstant(t) !== null, ISO_INSTANT_RULE)
  .transform((t) => isoInstant(t)!);
const untilField = z.string({ error: 'required: an ISO 8601 date or date-time' }).pipe(instant);
const blockBody = z.strictObject({ ...subjectFields, until: untilField, reason: reasonField }).refine(oneSubject, SUBJECT_RULE);
const unblockBody = z.strictObject({ ...subjectFields, reason: reasonField }).refine(oneSubject, SUBJECT_RULE);
const eraseBody = z
  .strictObject({ ...subjectFields, reason: reasonField, atVendor: z.boolean().optional() })
  .refine(oneSubject, SUBJECT_RULE)
  .refine((b) => b.atVendor !== true, {
    message: 'asking Veriff to delete the session is not available in this release',
    path: ['atVendor'],
  });
const exportQuery = z.strictObject({ ...subjectFields, reason: reasonField }).refine(oneSubject, SUBJECT_RULE);
const subjectOf = (b: { reference?: string | undefined; sessionId?: string | undefined }): Subject =>
  b.reference !== undefined ? { kind: 'reference', id: b.reference } : { kind: 'session', id: b.sessionId! };

const replayBody = z.strictObject({
  sink: identifier,
  since: instant.optional(),
  until: instant.optional(),
  type: identifier.optional(),
  dryRun: z.boolean().optional(),
});

const newKeyBody = z.strictObject({
  name: z.string().regex(KEY_NAME, KEY_NAME_RULE),
  role: z.enum(ROLES),
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

function parseBody<T extends z.ZodType>(schema: T, req: Request): z.infer<T> {
  const parsed = schema.safeParse(req.body ?? {});
  if (!parsed.success) throw new HttpError(400, 'invalid_body', { body: { issues: toPayloadIssues(parsed.error) } });
  return parsed.data;
}

/** A quarantined delivery as a viewer may see it: why and when, never its bytes. */
const withheldQuarantine = ({ rawBody: _bytes, rawBodyEncoding: _encoding, ...meta }: QuarantineItem) => ({
  ...meta,
  payloadWithheld: true,
});

/**
 * The admin listener (ADMIN_PORT, never the public port): metrics, and for the people of the
 * README's "People, roles and the audit trail" the read API, redrive, keys and the audit trail,
 * each route behind the role its table gives.
 */
export function buildAdminApp({ config, store, logger, metrics, activity, queues, sinks, clock = systemClock }: AdminDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  // Behind TRUST_PROXY's TLS proxy a request is HTTPS (the console's cookie is Secure then). The
  // SSO proxy's own check reads the socket's address, never a forwarded one.
  app.set('trust proxy', config.trustProxy);
  app.use(requestId);

  // Prometheus scrapes without credentials: the admin port is private, and metrics carry no data.
  app.get('/metrics', async (_req, res) => {
    res.setHeader('content-type', metrics.registry.contentType);
    res.send(await metrics.registry.metrics());
  });

  const audit = createAuditTrail(store.access, logger, clock);
  const auth = createAdminAuth({ config, access: store.access, audit, logger, clock });
  const { authenticate, requireRole } = auth;

  // The console (pages for people) at /console; its icon where browsers ask for it.
  app.use('/console', consoleRouter({ store, logger, clock, auth, audit, activity, queues, sinks }));
  app.get('/', (_req, res) => res.set(SECURITY_HEADERS).redirect(302, '/console/'));
  app.get('/favicon.ico', (_req, res) => {
    res
      .set({ ...SECURITY_HEADERS, 'cache-control': 'public, max-age=86400' })
      .type('image/svg+xml')
      .sendFile('favicon.svg', { root: PUBLIC_DIR });
  });
  const viewer = [authenticate, requireRole('viewer')];
  const json = express.json({ limit: '16kb' });

  app.get('/events', ...viewer, async (req, res) => {
    const q = parseQuery(eventQuery, req);
    const page = await store.listEvents(q);
    const payloads = await payloadView(audit, res.locals.principal, {
      subject: q.sessionId ?? q.reference ?? null,
      items: page.items.length,
      detail: { route: 'events', ...filtersOf(q), after: q.after ?? '0', next: page.next, events: page.items.length },
    });
    sendJson(res, `{"events":[${page.items.map((e) => eventJson(e, payloads)).join(',')}],"next":${JSON.stringify(page.next)}}`);
  });

  app.get('/events/:id', ...viewer, async (req, res) => {
    const event = await store.getEvent(parseParam(req, 'id'));
    if (!event) throw new HttpError(404, 'not_found');
    sendJson(res, eventJson(event, await payloadView(audit, res.locals.principal, { subject: event.id, detail: { route: 'event' } })));
  });

  // The exact stored bytes, for support and above only: there is no metadata to fall back to.
  app.get('/events/:id/payload', authenticate, requireRole('support'), async (req, res) => {
    const event = await store.getEvent(parseParam(req, 'id'));
    if (!event) throw new HttpError(404, 'not_found');
    // Nothing to show: the body was destroyed, or its subject is blocked (kept, shown to no one).
    if (event.erasedAt !== null) throw new HttpError(410, 'payload_erased', { body: { erasedAt: event.erasedAt } });
    if (event.blocked) throw new HttpError(409, 'payload_blocked');
    await payloadView(audit, res.locals.principal, { subject: event.id, detail: { route: 'payload' } });
    sendJson(res, event.rawBody);
  });

  app.get('/sessions/:sessionId', ...viewer, async (req, res) => {
    const view = await sessionById(store, parseParam(req, 'sessionId'));
    if (!view) throw new HttpError(404, 'not_found');
    const payloads = await payloadView(audit, res.locals.principal, {
      subject: view.sessionId,
      detail: { route: 'session', events: view.events.length },
    });
    sendJson(res, sessionJson(view, payloads));
  });

  app.get('/sessions', ...viewer, async (req, res) => {
    const { reference, after } = parseQuery(referenceQuery, req);
    const page = await sessionsByReference(store, reference, after);
    const payloads = await payloadView(audit, res.locals.principal, {
      subject: reference,
      items: page.sessions.length,
      detail: { route: 'sessions', sessions: page.sessions.map((s) => s.sessionId) },
    });
    sendJson(
      res,
      `{"reference":${JSON.stringify(reference)},"sessions":[${page.sessions.map((s) => sessionJson(s, payloads)).join(',')}],"next":${JSON.stringify(page.next)}}`,
    );
  });

  app.get('/quarantine/:id', ...viewer, async (req, res) => {
    const item = await store.getQuarantineItem(parseParam(req, 'id'));
    if (!item) throw new HttpError(404, 'not_found');
    const payloads = await payloadView(audit, res.locals.principal, { subject: item.id, detail: { route: 'quarantine' } });
    res.json(payloads === 'shown' ? item : withheldQuarantine(item));
  });

  app.get('/quarantine', ...viewer, async (req, res) => {
    const q = parseQuery(pageQuery, req);
    const page = await store.listQuarantine(q);
    const payloads = await payloadView(audit, res.locals.principal, {
      subject: null,
      items: page.items.length,
      detail: { route: 'quarantine', after: q.after ?? '0', next: page.next, items: page.items.length },
    });
    res.json({ items: payloads === 'shown' ? page.items : page.items.map(withheldQuarantine), next: page.next });
  });

  app.get('/sinks', ...viewer, async (req, res) => {
    const q = parseQuery(parkedQuery, req);
    const [report, parked] = await Promise.all([sinksReport(store.outbox, sinks, clock.now()), store.outbox.parked(q)]);
    res.json({ sinks: report, parked });
  });

  const redrive = createRedrive({ store, audit, clock });
  app.post('/sinks/redrive', authenticate, requireRole('operator'), json, async (req, res) => {
    const body = parseBody(redriveBody, req);
    res.json({ redriven: await redrive(res.locals.principal, { sink: body.sink, eventId: body.eventId }) });
  });

  const replay = createReplay({ store, audit, clock, sinks: queues.sinkNames() });
  app.post('/sinks/replay', authenticate, requireRole('operator'), json, async (req, res) => {
    const body = parseBody(replayBody, req);
    const count = await replay(res.locals.principal, body);
    res.json(body.dryRun ? { wouldReplay: count } : { replayed: count });
  });

  const admin = [authenticate, requireRole('admin')];

  app.get('/keys', ...admin, async (_req, res) => {
    res.json({ keys: await store.access.listKeys() });
  });

  app.post('/keys', ...admin, json, async (req, res) => {
    const { name, role } = parseBody(newKeyBody, req);
    const key = generateAccessKey();
    const principal = res.locals.principal;
    const added = await store.access.addKey({
      name,
      role,
      hash: hashAccessKey(key),
      createdAt: new Date(clock.now()).toISOString(),
      createdBy: principal.actor,
    });
    await audit({
      actor: principal.actor,
      role: principal.role,
      action: 'key_add',
      subject: name,
      reason: null,
      outcome: added ? 'ok' : 'name_taken',
      detail: { role },
    });
    if (!added) throw new HttpError(409, 'key_exists', { body: { name } });
    res.status(201).json({ name, role, key });
  });

  app.delete('/keys/:name', ...admin, async (req, res) => {
    const name = parseParam(req, 'name');
    const removed = await store.access.revokeKey(name);
    const principal = res.locals.principal;
    await audit({
      actor: principal.actor,
      role: principal.role,
      action: 'key_revoke',
      subject: name,
      reason: null,
      outcome: removed ? 'ok' : 'not_found',
    });
    if (!removed) throw new HttpError(404, 'not_found');
    res.status(204).end();
  });

  const subjects = subjectActions({ store, audit, clock, routing: queues.routing() });

  app.post('/subjects/block', ...admin, json, async (req, res) => {
    const body = parseBody(blockBody, req);
    res.json(await subjects.block({ principal: res.locals.principal, subject: subjectOf(body), reason: body.reason }, body.until));
  });

  app.post('/subjects/unblock', ...admin, json, async (req, res) => {
    const body = parseBody(unblockBody, req);
    res.json(await subjects.unblock({ principal: res.locals.principal, subject: subjectOf(body), reason: body.reason }));
  });

  app.post('/subjects/erase', ...admin, json, async (req, res) => {
    const body = parseBody(eraseBody, req);
    res.json(await subjects.erase({ principal: res.locals.principal, subject: subjectOf(body), reason: body.reason }));
  });

  app.get('/subjects/export', authenticate, requireRole('support'), async (req, res) => {
    const q = parseQuery(exportQuery, req);
    const document = await subjects.export({ principal: res.locals.principal, subject: subjectOf(q), reason: q.reason });
    res.setHeader('content-disposition', 'attachment; filename="subject-export.json"');
    sendJson(res, document);
  });

  app.get('/audit', ...admin, async (req, res) => {
    const q = parseQuery(auditQuery, req);
    const page = await store.access.listAudit({ ...q, newestFirst: q.order === 'newest' });
    res.json({ records: page.items, next: page.next });
  });

  app.use((_req, res) => {
    res.status(404).json({ error: 'not_found' });
  });
  app.use(errorHandler(logger));
  return app;
}

/** The filters of an event query that were given, for the audit record's detail. */
const filtersOf = (q: z.infer<typeof eventQuery>) =>
  Object.fromEntries(
    Object.entries({ provider: q.provider, sessionId: q.sessionId, reference: q.reference }).filter(([, v]) => v !== undefined),
  );
