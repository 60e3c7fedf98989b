import { fileURLToPath } from 'node:url';
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import type { VNode } from 'preact';
import { render } from 'preact-render-to-string';
import { serialize } from 'cookie';
import type { ActivityCounts } from '../activity/activity-counts.js';
import type { AdminAuth } from '../access/admin-auth.js';
import type { AuditTrail } from '../access/audit-trail.js';
import { payloadView } from '../access/payload-access.js';
import { atLeast, type Principal, type Role } from '../access/roles.js';
import type { Clock } from '../clock.js';
import { HttpError } from '../errors.js';
import type { QueueRegistry } from '../outbox/queues.js';
import { createReplay } from '../forward/replay.js';
import { createRedrive } from '../outbox/redrive.js';
import { sinksReport } from '../outbox/sinks-report.js';
import { errorAnswer } from '../http/error-answer.js';
import { echo } from '../http/echo.js';
import { isoInstant } from '../iso-instant.js';
import type { Logger } from '../logger.js';
import { subjectActions } from '../privacy/subjects.js';
import { sessionById, sessionsByReference, type SessionView } from '../sessions/session-view.js';
import type { EventStore, Subject } from '../store/event-store.js';
import { activityBars } from './activity-bars.js';
import { createConsoleAuth } from './console-auth.js';
import { pickLocale, LANG_COOKIE } from './locale.js';
import { LOCALES } from './messages.js';
import { ActivityPage } from './views/activity.js';
import { AuditPage } from './views/audit.js';
import { ErrorPage } from './views/error.js';
import type { PageContext } from './views/layout.js';
import { QuarantinePage } from './views/quarantine.js';
import { SearchPage, type SessionHit } from './views/search.js';
import { SessionPage, type SinkState, type TimelineEvent } from './views/session.js';
import { SignInPage } from './views/sign-in.js';
import { ConfirmPage, SinksPage } from './views/sinks.js';
import { SubjectPage, type SubjectSummary } from './views/subject.js';
import { vendorInstant } from '../sessions/vendor-instant.js';

/** Quarantined deliveries a page. */
const QUARANTINE_PAGE = 50;

/** The stylesheet and the icon, served by the service itself (no CDN). */
export const PUBLIC_DIR = fileURLToPath(new URL('../../public/', import.meta.url));

/** Every console answer: nothing but the service's own files, no framing, no caching of personal data. */
export const SECURITY_HEADERS = {
  'content-security-policy': "default-src 'self'",
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  // same-origin, not no-referrer: with no-referrer a browser sends `Origin: null` on the console's own form posts.
  'referrer-policy': 'same-origin',
  'cache-control': 'no-store',
};

export interface ConsoleDeps {
  store: EventStore;
  logger: Logger;
  clock: Clock;
  auth: AdminAuth;
  audit: AuditTrail;
  activity: ActivityCounts;
  /** The configured queues: the sinks' names (replay, each event's place), the routing (erasure notices). */
  queues: QueueRegistry;
  /** The configured outbox targets (sinks and follow-up fetches), for the Sinks page. */
  sinks: { name: string; describe: string }[];
}

/**
 * The console (the README's "Console") under /console on the admin listener: server-rendered pages (Preact
 * rendered to a string, which escapes every value) that read without JavaScript, for the people and
 * roles of the README's "People, roles and the audit trail". Payloads go through the same gate as the API (payloadView: withheld for viewers,
 * one audit record per read for the others); actions are the API's own (redrive, replay, subjects).
 */
export function consoleRouter(deps: ConsoleDeps): Router {
  const { store, logger, clock, auth, audit, activity, queues } = deps;
  const access = createConsoleAuth({ auth, access: store.access, clock, logger });
  const subjects = subjectActions({ store, audit, clock, routing: queues.routing() });
  const sinkNames = queues.sinkNames();
  const replay = createReplay({ store, audit, clock, sinks: sinkNames });
  const redrive = createRedrive({ store, audit, clock });
  const forms = express.urlencoded({ extended: false, limit: '16kb', parameterLimit: 50 });
  const router = express.Router();

  router.use((_req, res, next) => {
    res.set(SECURITY_HEADERS);
    next();
  });
  router.use('/assets', express.static(PUBLIC_DIR, { index: false, fallthrough: false, maxAge: '1h' }));
  // The language switch: remembered in a cookie, then the same page without the switch.
  router.use((req, res, next) => {
    const lang = req.query.lang;
    if (typeof lang !== 'string' || !(lang in LOCALES)) return next();
    res.append('set-cookie', serialize(LANG_COOKIE, lang, { path: '/', sameSite: 'strict', httpOnly: true, maxAge: 365 * 86400 }));
    const url = new URL(req.originalUrl, 'http://console.invalid');
    url.searchParams.delete('lang');
    res.redirect(303, `${url.pathname}${url.search}`);
  });
  router.use((req, res, next) => access.identify(req, res, next));

  const contextOf = (req: Request, res: Response): PageContext => ({
    m: LOCALES[pickLocale(req)],
    principal: res.locals.principal as Principal | undefined,
    csrf: res.locals.csrf,
    url: req.originalUrl,
  });
  const page = (res: Response, node: VNode, status = 200) => {
    res
      .status(status)
      .type('html')
      .send(`<!doctype html>${render(node)}`);
  };
  /** The signed-in person with at least `role`; else to the sign-in form, or 403 (recorded). */
  const person = async (req: Request, res: Response, role: Role): Promise<Principal> => {
    const principal = res.locals.principal as Principal | undefined;
    if (!principal) throw new HttpError(401, 'sign_in');
    if (!atLeast(principal.role, role)) await auth.refuse(req, principal, 403, `needs the ${role} role`);
    access.refresh(req, res);
    return principal;
  };
  const text = (req: Request, name: string): string => {
    const value: unknown = (req.body as Record<string, unknown> | undefined)?.[name];
    return typeof value === 'string' ? value.trim() : '';
  };

  router.get('/sign-in', (req, res) => {
    if (res.locals.principal) return res.redirect(303, safeNext(req.query.next));
    page(res, <SignInPage ctx={contextOf(req, res)} failed={false} next={safeNext(req.query.next)} />);
  });

  router.post('/sign-in', forms, access.checkForm, async (req, res) => {
    const key = text(req, 'key');
    const principal = key === '' || key.length > 200 ? null : await access.signIn(req, res, key);
    if (!principal) {
      await auth
        .refuse(req, { actor: 'unknown', role: null }, 401, 'console sign-in with an unknown or revoked key')
        .catch(() => undefined);
      return page(res, <SignInPage ctx={contextOf(req, res)} failed next={safeNext(text(req, 'next'))} />, 401);
    }
    logger.info({ console: 'sign-in', actor: echo(principal.actor), role: principal.role }, 'console sign-in');
    res.redirect(303, safeNext(text(req, 'next')));
  });

  router.post('/sign-out', forms, access.checkForm, async (req, res) => {
    await access.signOut(req, res);
    res.redirect(303, '/console/sign-in');
  });

  router.get('/', async (req, res) => {
    await person(req, res, 'viewer');
    const query = typeof req.query.q === 'string' ? req.query.q.trim().slice(0, 200) : '';
    const hits = query === '' ? undefined : await search(store, query);
    page(res, <SearchPage ctx={contextOf(req, res)} query={query} hits={hits} />);
  });

  router.get('/session/:id', async (req, res) => {
    const principal = await person(req, res, 'viewer');
    const view = await sessionById(store, String(req.params.id));
    if (!view) throw new HttpError(404, 'not_found');
    const payloads = await payloadView(audit, principal, {
      subject: view.sessionId,
      detail: { route: 'console/session', events: view.events.length },
    });
    page(
      res,
      <SessionPage
        ctx={contextOf(req, res)}
        view={view}
        timeline={timelineOf(view, sinkNames)}
        payloads={payloads}
        sinkNames={sinkNames}
      />,
    );
  });

  router.get('/quarantine', async (req, res) => {
    const principal = await person(req, res, 'viewer');
    const after = typeof req.query.after === 'string' && /^\d{1,19}$/.test(req.query.after) ? req.query.after : undefined;
    const list = await store.listQuarantine({ after, limit: QUARANTINE_PAGE });
    const payloads = await payloadView(audit, principal, {
      subject: null,
      items: list.items.length,
      detail: { route: 'console/quarantine', items: list.items.length },
    });
    // A next page only when this one is full: the cursor alone does not say more is there.
    const next = list.items.length === QUARANTINE_PAGE ? list.next : null;
    page(res, <QuarantinePage ctx={contextOf(req, res)} items={list.items} next={next} showBodies={payloads === 'shown'} />);
  });

  const sinksPage = async (req: Request, res: Response, principal: Principal, notice?: string) => {
    const [report, parked] = await Promise.all([sinksReport(store.outbox, deps.sinks, clock.now()), store.outbox.parked({ limit: 100 })]);
    page(
      res,
      <SinksPage
        ctx={contextOf(req, res)}
        sinks={report}
        parked={parked.items}
        replayable={sinkNames}
        canAct={atLeast(principal.role, 'operator')}
        notice={notice}
      />,
    );
  };
  router.get('/sinks', async (req, res) => sinksPage(req, res, await person(req, res, 'viewer')));

  router.post('/sinks/redrive', forms, access.checkForm, async (req, res) => {
    const principal = await person(req, res, 'operator');
    const sink = text(req, 'sink');
    const m = LOCALES[pickLocale(req)];
    if (text(req, 'confirm') === '') {
      const stats = (await store.outbox.stats()).find((s) => s.sink === sink);
      return page(res, <ConfirmPage ctx={contextOf(req, res)} action="redrive" sink={sink} count={stats?.parked ?? 0} fields={{ sink }} />);
    }
    const count = await redrive(principal, { sink });
    await sinksPage(req, res, principal, m.redriven(count, sink));
  });

  router.post('/sinks/replay', forms, access.checkForm, async (req, res) => {
    const principal = await person(req, res, 'operator');
    const sink = text(req, 'sink');
    const m = LOCALES[pickLocale(req)];
    const fields = {
      sink,
      [`since-${sink}`]: text(req, `since-${sink}`),
      [`until-${sink}`]: text(req, `until-${sink}`),
      [`type-${sink}`]: text(req, `type-${sink}`),
    };
    const instant = (name: string) => {
      const value = fields[name]!;
      if (value === '') return undefined;
      return isoInstant(value) ?? badInput(name.replace(`-${sink}`, ''), 'must be a date and time');
    };
    const query = { sink, since: instant(`since-${sink}`), until: instant(`until-${sink}`), type: fields[`type-${sink}`] || undefined };
    if (text(req, 'confirm') === '') {
      const count = await replay(principal, { ...query, dryRun: true });
      return page(res, <ConfirmPage ctx={contextOf(req, res)} action="replay" sink={sink} count={count} fields={fields} />);
    }
    const count = await replay(principal, query);
    await sinksPage(req, res, principal, m.replayed(count, sink));
  });

  router.get('/activity', async (req, res) => {
    await person(req, res, 'viewer');
    const vendor = req.query.vendor === 'veriff' || req.query.vendor === 'incode' ? req.query.vendor : '';
    // This process's latest counts first, so a delivery just made shows at once.
    await activity.flush();
    const bars = activityBars(await store.access.activity(Math.floor(clock.now() / 3_600_000) - 30 * 24), clock.now(), vendor);
    page(res, <ActivityPage ctx={contextOf(req, res)} vendor={vendor} vendors={['veriff', 'incode']} {...bars} />);
  });

  const subjectOf = (kind: string, id: string): Subject | undefined =>
    id === '' || id.length > 1000 || id.includes('\u0000') ? undefined : { kind: kind === 'session' ? 'session' : 'reference', id };

  const subjectPage = async (
    req: Request,
    res: Response,
    subject: Subject | undefined,
    notice?: { kind: 'ok' | 'error'; text: string },
  ) => {
    let summary: SubjectSummary | undefined;
    if (subject) {
      const ids = await store.privacy.subjectEventIds(subject);
      if (ids.length > 0) {
        const events = (await Promise.all(ids.map((id) => store.getEvent(id)))).filter((e) => e !== null);
        summary = {
          ...subject,
          events: events.length,
          erased: events.filter((e) => e.erasedAt !== null).length,
          blocked: events.filter((e) => e.blocked).length,
          blocks: await store.privacy.blocks(subject),
        };
      } else notice ??= { kind: 'error', text: LOCALES[pickLocale(req)].unknownSubject };
    }
    page(
      res,
      <SubjectPage
        ctx={contextOf(req, res)}
        kind={subject?.kind ?? 'reference'}
        id={subject?.id ?? ''}
        summary={summary}
        notice={notice}
      />,
    );
  };

  router.get('/subject', async (req, res) => {
    await person(req, res, 'admin');
    const id = typeof req.query.id === 'string' ? req.query.id.trim() : '';
    await subjectPage(req, res, subjectOf(String(req.query.kind ?? 'reference'), id));
  });

  router.post('/subject/:action', forms, access.checkForm, async (req, res) => {
    const action = String(req.params.action);
    const principal = await person(req, res, action === 'export' ? 'support' : 'admin');
    const m = LOCALES[pickLocale(req)];
    const subject = subjectOf(text(req, 'kind'), text(req, 'id')) ?? badInput('id', 'required');
    const reason = text(req, `reason-${action}`).slice(0, 500);
    if (reason === '') badInput('reason', 'required: why (a ticket number or a sentence)');
    const act = { principal, subject, reason };
    try {
      if (action === 'export') {
        const document = await subjects.export(act);
        res.setHeader('content-disposition', 'attachment; filename="subject-export.json"');
        return res.type('application/json').send(document);
      }
      if (action === 'block') {
        const until = isoInstant(text(req, 'until'));
        if (until === null) return badInput('until', 'must be a date in the future');
        const done = await subjects.block(act, until);
        return subjectPage(req, res, subject, { kind: 'ok', text: m.done.block(done.events) });
      }
      if (action === 'unblock') {
        const done = await subjects.unblock(act);
        return subjectPage(req, res, subject, { kind: 'ok', text: m.done.unblock(done.events) });
      }
      if (action === 'erase') {
        if (text(req, 'confirm') !== subject.id) return subjectPage(req, res, subject, { kind: 'error', text: m.mismatch });
        const done = await subjects.erase(act);
        return subjectPage(req, res, subject, { kind: 'ok', text: m.done.erase(done.events) });
      }
      throw new HttpError(404, 'not_found');
    } catch (error) {
      if (error instanceof HttpError && error.code === 'unknown_subject')
        return subjectPage(req, res, subject, { kind: 'error', text: m.unknownSubject });
      if (error instanceof HttpError && error.code === 'subject_blocked')
        return subjectPage(req, res, subject, { kind: 'error', text: m.subjectBlocked });
      throw error;
    }
  });

  router.get('/audit', async (req, res) => {
    await person(req, res, 'admin');
    const field = (name: string) => (typeof req.query[name] === 'string' ? (req.query[name] as string).trim().slice(0, 1000) : '');
    const actor = field('actor');
    const subject = field('subject');
    const after = /^\d{1,19}$/.test(field('after')) ? field('after') : undefined;
    const list = await store.access.listAudit({
      actor: actor || undefined,
      subject: subject || undefined,
      after,
      newestFirst: true,
      limit: 100,
    });
    page(
      res,
      <AuditPage
        ctx={contextOf(req, res)}
        records={list.items}
        actor={actor}
        subject={subject}
        next={list.items.length === 100 ? list.next : null}
      />,
    );
  });

  router.use((_req, _res) => {
    throw new HttpError(404, 'not_found');
  });

  // Errors as pages, in the reader's language; a missing sign-in goes to the form.
  router.use((error: unknown, req: Request, res: Response, _next: NextFunction) => {
    if (error instanceof HttpError && error.code === 'sign_in') {
      return res.redirect(303, `/console/sign-in?next=${encodeURIComponent(req.originalUrl)}`);
    }
    const answer = errorAnswer(error);
    const ctx = contextOf(req, res);
    const { m } = ctx;
    const code = String(answer.body.error ?? '');
    if (answer.unexpected) logger.error({ err: error, path: req.path }, 'console: unhandled error');
    else logger.warn({ console: 'error', path: echo(req.path), status: answer.status, error: code }, `console answered ${answer.status}`);
    const issues = (answer.body.issues as { path: string; message: string }[] | undefined) ?? [];
    const lines =
      code === 'csrf'
        ? [m.csrf]
        : code === 'forbidden'
          ? [m.forbidden]
          : code === 'not_found'
            ? [m.notFound]
            : answer.status === 503
              ? [m.storeDown]
              : issues.length > 0
                ? [m.badInput, ...issues.map((i) => `${i.path}: ${i.message}`)]
                : [code];
    page(res, <ErrorPage ctx={ctx} title={answer.status === 404 ? m.notFound : m.errorTitle} lines={lines} />, answer.status);
  });
  return router;
}

const badInput = (path: string, message: string): never => {
  throw new HttpError(400, 'invalid_body', { body: { issues: [{ path, message }] } });
};

/** Where to go after signing in: a console path only (never another site). */
function safeNext(next: unknown): string {
  return typeof next === 'string' && /^\/console\/[^\\]*$/.test(next) && !next.startsWith('//') ? next : '/console/';
}

/** What a search finds: the sessions of a reference, the session of that id, or the session of that event. */
async function search(store: EventStore, query: string): Promise<SessionHit[]> {
  const views = new Map<string, SessionView>();
  const add = (view: SessionView | null) => view && views.set(view.sessionId, view);
  for (const view of (await sessionsByReference(store, query)).sessions) add(view);
  add(await sessionById(store, query));
  const event = await store.getEvent(query);
  if (event?.sessionId) add(await sessionById(store, event.sessionId));
  return [...views.values()].map((view) => ({
    view,
    vendors: [...new Set(view.events.map((e) => e.provider))],
    lastActivity: view.events.reduce((t, e) => (e.lastDeliveredAt > t ? e.lastDeliveredAt : t), ''),
    events: view.events.length,
  }));
}

/** The session's events in the vendors' time order (the log's order between equal or unreadable times), each with its place at each sink. */
function timelineOf(view: SessionView, sinkNames: string[]): TimelineEvent[] {
  const key = (time: string | null, received: string) => vendorInstant(time) ?? Date.parse(received);
  const events = [...view.events].sort(
    (a, b) => key(a.vendorTime, a.receivedAt) - key(b.vendorTime, b.receivedAt) || Number(BigInt(a.seq) - BigInt(b.seq)),
  );
  return events.map((event) => ({
    event,
    sinks: sinkNames.map((sink) => {
      const queued = view.queued.find((q) => q.sink === sink && q.eventId === event.id);
      const state: SinkState = queued ? queued.state : event.blocked ? 'held' : event.erasedAt !== null ? 'notQueued' : 'delivered';
      return { sink, state };
    }),
  }));
}
