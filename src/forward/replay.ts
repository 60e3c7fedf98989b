import type { AuditTrail } from '../access/audit-trail.js';
import type { Principal } from '../access/roles.js';
import type { Clock } from '../clock.js';
import { HttpError } from '../errors.js';
import type { EventStore, ReplayQuery } from '../store/event-store.js';

/**
 * Replay (console, admin API and `ine-webhooks replay`): stored events queued again for one
 * configured sink (`sinks`: the registered sinks' names), in seq order, skipping blocked and erased ones and those already queued there.
 * A dry run only counts; a replay is one audit record with its filters and count.
 */
export function createReplay(deps: { store: EventStore; audit: AuditTrail; clock: Clock; sinks: readonly string[] }) {
  const { store, audit, clock, sinks } = deps;
  return async (principal: Principal, query: ReplayQuery): Promise<number> => {
    if (!sinks.includes(query.sink)) throw new HttpError(400, 'unknown_sink', { body: { sinks } });
    if (query.since !== undefined && query.until !== undefined && query.since >= query.until) {
      throw new HttpError(400, 'invalid_body', { body: { issues: [{ path: 'until', message: 'must be after since' }] } });
    }
    const count = await store.outbox.replay(query, clock.now());
    if (!query.dryRun) {
      await audit({
        actor: principal.actor,
        role: principal.role,
        action: 'replay',
        subject: query.sink,
        reason: null,
        outcome: count > 0 ? 'ok' : 'nothing_to_replay',
        detail: { count, since: query.since ?? null, until: query.until ?? null, type: query.type ?? null },
      });
    }
    return count;
  };
}
