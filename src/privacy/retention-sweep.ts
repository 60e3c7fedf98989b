import type { Clock } from '../clock.js';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import type { EventStore, PassCursor } from '../store/event-store.js';
import type { SubjectActions } from './subjects.js';

/** How often the service sweeps (the contract asks for at least once a minute). */
export const SWEEP_EVERY_MS = 30_000;
const BATCH = 500;

/** The principal the sweep acts as, in the audit trail. */
const SWEEPER = { actor: 'system:retention', role: 'admin', via: 'cli' } as const;

/**
 * The retention sweep: subjects whose block has come to its date are erased; bodies of events
 * older than PAYLOAD_RETENTION and of quarantined deliveries older than QUARANTINE_RETENTION are
 * destroyed (their metadata stays, so a late redelivery is still a duplicate), a batch at a time.
 */
export function retentionSweep(deps: { store: EventStore; subjects: SubjectActions; config: Config; clock: Clock; logger: Logger }) {
  const { store, subjects, config, clock, logger } = deps;
  let cursor: PassCursor = { events: '0', quarantine: '0' };
  return {
    /** One sweep; resolves with how many bodies it destroyed and how many subjects it erased. */
    async runOnce(): Promise<{ erased: number; subjects: number }> {
      const now = clock.now();
      const at = new Date(now).toISOString();
      let erasedSubjects = 0;
      for (const subject of await store.privacy.expiredBlocks(at)) {
        await subjects.erase({ principal: SWEEPER, subject, reason: 'block expired: erased at its date' });
        erasedSubjects += 1;
      }
      const { payloadRetentionMs, quarantineRetentionMs } = config.privacy;
      const cutoffs = {
        events: payloadRetentionMs === undefined ? null : new Date(now - payloadRetentionMs).toISOString(),
        quarantine: new Date(now - quarantineRetentionMs).toISOString(),
      };
      let erased = 0;
      for (;;) {
        const pass = await store.privacy.sweep(cursor, cutoffs, at, BATCH);
        cursor = pass.next;
        erased += pass.erased;
        if (pass.done) break;
      }
      if (erased > 0 || erasedSubjects > 0)
        logger.info({ sweep: { erased, subjects: erasedSubjects } }, 'retention sweep erased bodies past their time');
      return { erased, subjects: erasedSubjects };
    },
  };
}
