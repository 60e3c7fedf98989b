import type { Clock } from '../clock.js';
import { echo } from '../http/echo.js';
import type { Logger } from '../logger.js';
import type { AccessStore, AuditRecord, NewAuditRecord } from '../store/event-store.js';

/** Records one action: stored (durably, before the caller goes on) and logged as one line. */
export type AuditTrail = (entry: Omit<NewAuditRecord, 'at'>) => Promise<AuditRecord>;

/**
 * The audit trail of the README's "People, roles and the audit trail": every record is appended to the store (both backends),
 * then said in one log line. A record names subjects by id only; the caller never hands it
 * payload content.
 */
export function createAuditTrail(access: AccessStore, logger: Logger, clock: Clock): AuditTrail {
  return async (entry) => {
    const record = await access.audit({ ...entry, at: new Date(clock.now()).toISOString() });
    logger.info(
      {
        audit: {
          seq: record.seq,
          actor: echo(record.actor),
          role: record.role,
          action: record.action,
          subject: record.subject === null ? null : echo(record.subject),
          reason: record.reason === null ? null : echo(record.reason),
          outcome: record.outcome,
        },
      },
      `audit: ${record.action} ${record.outcome}`,
    );
    return record;
  };
}
