import { QUEUE_NAMES } from '../outbox/queues.js';
import { vendorInstant } from './vendor-instant.js';
import { MAX_PAGE_BYTES, type EventStore, type StoredEvent } from '../store/event-store.js';
import { incodeScoreSummary, type IncodeScoreSummary } from './incode-score-summary.js';

export type VeriffState = 'valid' | 'invalid' | 'error' | 'unknown';
export type IncodeState = 'IN_PROGRESS' | 'FINISHED';

/** One verification session: both vendors' events in log order, and where each vendor stands. */
export interface SessionView {
  sessionId: string;
  references: string[];
  /**
   * null: nothing of that kind yet. `veriff`: the INE registry result; `veriffDecision`: the
   * status of Veriff's decision (approved, declined, ...); `incode`: the INE scraping progress.
   */
  state: {
    veriff: VeriffState | null;
    veriffDecision: string | null;
    incode: IncodeState | null;
    /** The newest score fetched from Incode's API: its overall status and the modules' statuses. */
    incodeScore: IncodeScoreSummary | null;
  };
  /**
   * Where this session's events are still queued: a sink not yet reached, a follow-up fetch
   * (`incode-score`, `veriff-decision`) pending or parked. Empty when everything is done.
   */
  queued: {
    sink: string;
    eventId: string;
    type: string;
    state: 'pending' | 'parked';
    attempts: number;
    nextAttemptAt: string;
    lastError: string | null;
  }[];
  /** In log order, up to about MAX_PAGE_BYTES of stored bodies (at least one). */
  events: StoredEvent[];
  /** Null when `events` holds them all; else the cursor to go on with (`GET /events?sessionId=…&after=`). */
  next: string | null;
}

/**
 * The newest event by the vendor's own time, compared as an instant; the log's order only between
 * equal times (or where a time cannot be read). A result redelivered late, or an older attempt
 * that arrives after a newer one, cannot overtake it.
 */
function newestByVendorTime<E extends Pick<StoredEvent, 'seq' | 'vendorTime'>>(events: readonly E[]): E | undefined {
  const key = (e: E) => vendorInstant(e.vendorTime) ?? -Infinity;
  return events.reduce<E | undefined>((a, e) => {
    if (a === undefined) return e;
    const [ka, ke] = [key(a), key(e)];
    return ke > ka || (ke === ka && BigInt(e.seq) > BigInt(a.seq)) ? e : a;
  }, undefined);
}

/**
 * States never go backwards. Incode: a late IN_PROGRESS retry after FINISHED (Incode retries for
 * about 32 minutes) leaves it FINISHED. Veriff: the INE registry result and the decision, each the
 * newest by Veriff's own time.
 */
export function deriveState(
  events: readonly Pick<StoredEvent, 'seq' | 'provider' | 'type' | 'status' | 'vendorTime'>[],
): Omit<SessionView['state'], 'incodeScore'> {
  const incode = events.filter((e) => e.provider === 'incode' && e.type === 'ine_scraping');
  const registry = newestByVendorTime(events.filter((e) => e.provider === 'veriff' && e.type === 'ine_registry'));
  const decision = newestByVendorTime(events.filter((e) => e.provider === 'veriff' && e.type === 'decision'));
  const registryState = (status: string | null): VeriffState =>
    status === 'valid' || status === 'invalid' || status === 'error' ? status : 'unknown';
  return {
    veriff: registry === undefined ? null : registryState(registry.status),
    veriffDecision: decision?.status ?? null,
    incode: incode.some((e) => e.status === 'FINISHED') ? 'FINISHED' : incode.length > 0 ? 'IN_PROGRESS' : null,
  };
}

/** What a session's state is derived from: every event's kind, status and times, not its body. */
type Summary = Pick<StoredEvent, 'id' | 'seq' | 'provider' | 'type' | 'status' | 'vendorTime' | 'reference'>;

/**
 * One session: its state and references from all its events, and the events themselves up to
 * `budget` bytes of stored bodies (at least one); past that, `next` says where to go on
 * (`GET /events?sessionId=…&after=next`). Null when nothing is stored under that id.
 */
async function readSession(store: EventStore, sessionId: string, budget: number): Promise<SessionView | null> {
  const summaries: Summary[] = [];
  const events: StoredEvent[] = [];
  let bytes = 0;
  let next: string | null = null;
  /** The newest fetched score (in log order), read for its modules. */
  let score: StoredEvent | undefined;
  for (let after: string | undefined; ;) {
    const page = await store.listEvents({ sessionId, after, limit: 1000 });
    if (page.items.length === 0) break;
    for (const e of page.items) {
      if (e.provider === 'incode' && e.type === 'score') score = e;
      summaries.push({
        id: e.id,
        seq: e.seq,
        provider: e.provider,
        type: e.type,
        status: e.status,
        vendorTime: e.vendorTime,
        reference: e.reference,
      });
      const size = Buffer.byteLength(e.rawBody);
      if (next === null && (events.length === 0 || bytes + size <= budget)) {
        events.push(e);
        bytes += size;
      } else next ??= events[events.length - 1]!.seq;
    }
    after = page.next!;
  }
  if (summaries.length === 0) return null;
  const bySeq = new Map(summaries.map((e) => [e.seq, e]));
  const queued = (await store.outbox.queuedFor([...bySeq.keys()], QUEUE_NAMES)).map((q) => ({
    sink: q.sink,
    eventId: bySeq.get(q.seq)!.id,
    type: bySeq.get(q.seq)!.type,
    state: q.state,
    attempts: q.attempts,
    nextAttemptAt: new Date(q.nextAttemptAt).toISOString(),
    lastError: q.lastError,
  }));
  return {
    sessionId,
    references: [...new Set(summaries.map((e) => e.reference).filter((r): r is string => r !== null))],
    state: {
      ...deriveState(summaries),
      // An erased score keeps its stored overall status: a session's state never moves with an erasure.
      incodeScore: score ? (score.erasedAt === null ? incodeScoreSummary(score.payload) : { status: score.status, modules: {} }) : null,
    },
    queued,
    events,
    next,
  };
}

/** One session's view, or null when nothing is stored under that id. */
export function sessionById(store: EventStore, sessionId: string): Promise<SessionView | null> {
  return readSession(store, sessionId, MAX_PAGE_BYTES);
}

const viewBytes = (view: SessionView) => view.events.reduce((n, e) => n + Buffer.byteLength(e.rawBody), 0);

/**
 * Every session of one customer reference, a page at a time: sessions in the order of their first
 * event that carries the reference, after the cursor `after` (such an event's seq), up to about
 * MAX_PAGE_BYTES of events a page (at least one session). A session's events without the reference
 * (Incode sends externalId only if it was given at start) are included. `next` is null at the end.
 */
export async function sessionsByReference(
  store: EventStore,
  reference: string,
  after?: string,
): Promise<{ sessions: SessionView[]; next: string | null }> {
  const sessions: SessionView[] = [];
  const seen = new Set<string>();
  let bytes = 0;
  let cursor = after;
  for (;;) {
    const page = await store.listEvents({ reference, after: cursor, limit: 100 });
    if (page.items.length === 0) return { sessions, next: null };
    for (const tagged of page.items) {
      const sessionId = tagged.sessionId;
      const first =
        sessionId === null || seen.has(sessionId) ? undefined : (await store.listEvents({ sessionId, reference, limit: 1 })).items[0];
      // A session belongs to the page of its first tagged event; one seen on an earlier page is skipped.
      if (sessionId !== null && first?.seq === tagged.seq) {
        seen.add(sessionId);
        const view = (await readSession(store, sessionId, MAX_PAGE_BYTES))!;
        if (sessions.length > 0 && bytes + viewBytes(view) > MAX_PAGE_BYTES) return { sessions, next: cursor ?? '0' };
        sessions.push(view);
        bytes += viewBytes(view);
      }
      cursor = tagged.seq;
    }
  }
}
