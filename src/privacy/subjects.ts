import { createHash, randomUUID } from 'node:crypto';
import type { AuditTrail } from '../access/audit-trail.js';
import { atLeast, type Principal } from '../access/roles.js';
import type { Clock } from '../clock.js';
import { HttpError } from '../errors.js';
import { eventJson, sessionJson } from '../sessions/session-json.js';
import { sessionById } from '../sessions/session-view.js';
import type { EventStore, NewEvent, OutboxEntry, StoredEvent, Subject } from '../store/event-store.js';

/** The provider and kind of the notice stored (and forwarded to every sink) when a subject is erased. */
export const ERASURE = { provider: 'ine-webhooks', type: 'erasure' } as const;

/** Who acts on personal data, and why (a ticket number or a sentence). */
export interface SubjectAction {
  principal: Principal;
  subject: Subject;
  reason: string;
}

/** What a subject is called in a message and in the erasure notice. */
const named = (s: Subject) => (s.kind === 'reference' ? { reference: s.id } : { sessionId: s.id });

/**
 * The personal-data actions of the README's "Personal data": block, unblock, erase and export a
 * subject (a customer reference with its sessions, or one session), for the admin API and the CLI
 * alike. Each checks the principal's role, refuses an unknown subject (404), and leaves one audit
 * record with its reason.
 */
export function subjectActions(deps: {
  store: EventStore;
  audit: AuditTrail;
  clock: Clock;
  /** Where the erasure notice is queued: every sink (the configured queues' routing). */
  routing: ((event: NewEvent) => OutboxEntry[]) | undefined;
}) {
  const { store, audit, clock, routing } = deps;
  const now = () => new Date(clock.now()).toISOString();

  const record = (a: SubjectAction, action: 'block' | 'unblock' | 'erase' | 'export', outcome: string, detail?: Record<string, unknown>) =>
    audit({ actor: a.principal.actor, role: a.principal.role, action, subject: a.subject.id, reason: a.reason, outcome, detail });

  const requireAdmin = (principal: Principal, needed: 'admin' | 'support') => {
    if (!atLeast(principal.role, needed)) throw new HttpError(403, 'forbidden', { body: { needs: needed } });
  };

  /** Every event of the subject, oldest first (a reference's, and those of its sessions). */
  async function subjectEvents(subject: Subject): Promise<StoredEvent[]> {
    const byId = new Map<string, StoredEvent>();
    const take = async (query: { sessionId?: string; reference?: string }) => {
      for (let after: string | undefined; ;) {
        const page = await store.listEvents({ ...query, after, limit: 1000 });
        for (const e of page.items) byId.set(e.id, e);
        if (page.items.length === 0) return;
        after = page.next!;
      }
    };
    if (subject.kind === 'session') await take({ sessionId: subject.id });
    else {
      await take({ reference: subject.id });
      const sessions = new Set([...byId.values()].map((e) => e.sessionId).filter((s): s is string => s !== null));
      for (const sessionId of sessions) await take({ sessionId });
    }
    return [...byId.values()].sort((a, b) => Number(a.seq) - Number(b.seq));
  }

  /** Quarantined deliveries that name the subject or one of its sessions (as a JSON string anywhere in their bytes). */
  async function quarantineOf(ids: string[]) {
    const needles = ids.map((id) => JSON.stringify(id));
    const found = [];
    for (let after: string | undefined; ;) {
      const page = await store.listQuarantine({ after, limit: 500 });
      if (page.items.length === 0) break;
      for (const item of page.items) {
        if (item.erasedAt === null && item.rawBodyEncoding === 'utf8' && needles.some((n) => item.rawBody.includes(n))) found.push(item);
      }
      after = page.next!;
    }
    return found;
  }

  /** The subject's events and its quarantined deliveries; 404 when it has neither. */
  async function known(subject: Subject) {
    const events = await subjectEvents(subject);
    const sessions = [...new Set(events.map((e) => e.sessionId).filter((s): s is string => s !== null))];
    const quarantined = await quarantineOf([subject.id, ...sessions]);
    if (events.length === 0 && quarantined.length === 0) {
      throw new HttpError(404, 'unknown_subject', { body: named(subject) });
    }
    return { events, sessions, quarantined };
  }

  return {
    /** Until `until` (an ISO instant, which must be in the future: else 400 `invalid_body` on `until`). */
    async block(a: SubjectAction, until: string) {
      requireAdmin(a.principal, 'admin');
      if (Date.parse(until) <= clock.now()) {
        throw new HttpError(400, 'invalid_body', { body: { issues: [{ path: 'until', message: 'must be a date in the future' }] } });
      }
      await known(a.subject);
      const events = await store.privacy.block(a.subject, { until, reason: a.reason, at: now(), by: a.principal.actor });
      await record(a, 'block', 'ok', { until, events });
      return { ...named(a.subject), until, events };
    },

    async unblock(a: SubjectAction) {
      requireAdmin(a.principal, 'admin');
      await known(a.subject);
      const blocks = await store.privacy.blocks(a.subject);
      const events = await store.privacy.unblock(a.subject);
      await record(a, 'unblock', blocks.length > 0 ? 'ok' : 'not_blocked', { events });
      return { ...named(a.subject), wasBlocked: blocks.length > 0, events };
    },

    async erase(a: SubjectAction) {
      requireAdmin(a.principal, 'admin');
      const { events, quarantined } = await known(a.subject);
      const at = now();
      const erased = { events: events.map((e) => e.id), quarantine: quarantined.map((q) => q.id) };
      const body = JSON.stringify({ subject: named(a.subject), erasedAt: at, reason: 'erasure', ...erased });
      const event: NewEvent = {
        id: createHash('sha256').update(`erasure\u0000${randomUUID()}`).digest('hex'),
        ...ERASURE,
        sessionId: null,
        reference: null,
        status: 'erased',
        vendorTime: null,
        integration: null,
        receivedAt: at,
        rawBody: body,
      };
      // Sinks only: the notice tells the company's systems to erase in turn.
      event.outbox = routing ? routing(event) : [];
      const count = await store.privacy.erase(a.subject, { at, quarantineIds: erased.quarantine, event });
      await record(a, 'erase', 'ok', { events: count, quarantine: erased.quarantine.length, notice: event.id });
      return { ...named(a.subject), erasedAt: at, events: count, quarantine: erased.quarantine.length, erasureEventId: event.id };
    },

    /** Everything held about the subject as one JSON text (the right of access); refused while it is blocked. */
    async export(a: SubjectAction): Promise<string> {
      requireAdmin(a.principal, 'support');
      const { events, sessions, quarantined } = await known(a.subject);
      const blocks = await store.privacy.blocks(a.subject);
      if (blocks.length > 0 || events.some((e) => e.blocked)) {
        await record(a, 'export', 'refused_blocked');
        throw new HttpError(409, 'subject_blocked', { body: named(a.subject) });
      }
      const views = [];
      for (const id of sessions) {
        const view = await sessionById(store, id);
        if (view) views.push(sessionJson({ ...view, events: [] }));
      }
      await record(a, 'export', 'ok', { events: events.length, quarantine: quarantined.length });
      const erasures = events.filter((e) => e.erasedAt !== null).map((e) => ({ eventId: e.id, erasedAt: e.erasedAt }));
      const head = JSON.stringify({ subject: named(a.subject), exportedAt: now(), erasures, quarantine: quarantined });
      return `${head.slice(0, -1)},"sessions":[${views.join(',')}],"events":[${events.map((e) => eventJson(e)).join(',')}]}`;
    },
  };
}

export type SubjectActions = ReturnType<typeof subjectActions>;
