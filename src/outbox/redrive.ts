import type { AuditTrail } from '../access/audit-trail.js';
import type { Principal } from '../access/roles.js';
import type { Clock } from '../clock.js';
import type { EventStore } from '../store/event-store.js';

/**
 * Redrive (admin API, console, `ine-webhooks redrive`): parked items queued again from their first
 * attempt, one event's or all of a queue's (or of every queue); one audit record with the count.
 */
export function createRedrive(deps: { store: EventStore; audit: AuditTrail; clock: Clock }) {
  const { store, audit, clock } = deps;
  return async (principal: Principal, query: { sink?: string | undefined; eventId?: string | undefined }): Promise<number> => {
    const count = await store.outbox.redrive(query, clock.now());
    await audit({
      actor: principal.actor,
      role: principal.role,
      action: 'redrive',
      subject: query.eventId ?? query.sink ?? 'all',
      reason: null,
      outcome: count > 0 ? 'ok' : 'nothing_parked',
      detail: { sink: query.sink ?? null, count },
    });
    return count;
  };
}
