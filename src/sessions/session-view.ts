import { vendorInstant } from './vendor-instant.js';
import type { EventStore, StoredEvent } from '../store/event-store.js';

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
  state: { veriff: VeriffState | null; veriffDecision: string | null; incode: IncodeState | null };
  events: StoredEvent[];
}

/**
 * The newest event by the vendor's own time, compared as an instant; the log's order only between
 * equal times (or where a time cannot be read). A result redelivered late, or an older attempt
 * that arrives after a newer one, cannot overtake it.
 */
function newestByVendorTime(events: readonly StoredEvent[]): StoredEvent | undefined {
  const key = (e: StoredEvent) => vendorInstant(e.vendorTime) ?? -Infinity;
  return events.reduce<StoredEvent | undefined>((a, e) => {
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
export function deriveState(events: readonly StoredEvent[]): SessionView['state'] {
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

/** Groups events by session, sessions in the order of their first event. */
export function toSessionViews(events: readonly StoredEvent[]): SessionView[] {
  const bySession = new Map<string, StoredEvent[]>();
  for (const e of [...events].sort((a, b) => (BigInt(a.seq) < BigInt(b.seq) ? -1 : 1))) {
    if (e.sessionId === null) continue;
    const list = bySession.get(e.sessionId) ?? [];
    list.push(e);
    bySession.set(e.sessionId, list);
  }
  return [...bySession].map(([sessionId, list]) => ({
    sessionId,
    references: [...new Set(list.map((e) => e.reference).filter((r): r is string => r !== null))],
    state: deriveState(list),
    events: list,
  }));
}

async function readAll(store: EventStore, query: { sessionId?: string; reference?: string }): Promise<StoredEvent[]> {
  const all: StoredEvent[] = [];
  let after: string | undefined;
  for (;;) {
    const page = await store.listEvents({ ...query, after, limit: 1000 });
    if (page.items.length === 0) return all;
    all.push(...page.items);
    after = page.next!;
  }
}

/** One session's view, or null when nothing is stored under that id. */
export async function sessionById(store: EventStore, sessionId: string): Promise<SessionView | null> {
  const [view] = toSessionViews(await readAll(store, { sessionId }));
  return view ?? null;
}

/**
 * Every session of one customer reference. A session's events without the reference (Incode sends
 * externalId only if it was given at start) are included once the session is known by another.
 */
export async function sessionsByReference(store: EventStore, reference: string): Promise<SessionView[]> {
  const tagged = await readAll(store, { reference });
  const ids = [...new Set(tagged.map((e) => e.sessionId).filter((s): s is string => s !== null))];
  const events = (await Promise.all(ids.map((sessionId) => readAll(store, { sessionId })))).flat();
  return toSessionViews(events);
}
