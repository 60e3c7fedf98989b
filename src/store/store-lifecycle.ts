import { StoreUnavailableError } from '../errors.js';
import type { AppendResult, EventStore, NewEvent, NewQuarantineItem } from './event-store.js';
import type { GroupCommit } from './group-commit.js';

export type StoreWrite = { kind: 'event'; event: NewEvent } | { kind: 'quarantine'; item: NewQuarantineItem };
export type StoreWriteResult = AppendResult | { id: string; deliveries: number; duplicate: boolean };

export interface LifecycleParts {
  backend: 'sqlite' | 'postgres';
  writes: GroupCommit<StoreWrite, StoreWriteResult>;
  /** A real write that shows whether the store accepts writes now; throws when it does not. */
  probe(): unknown;
  /** Releases the database once the queued writes are committed. */
  release(): unknown;
  unavailable(error: unknown): StoreUnavailableError;
}

/** What every backend does alike: writes through its group commit, the readiness probe, and an orderly close. */
export function storeLifecycle(parts: LifecycleParts): Pick<EventStore, 'append' | 'quarantine' | 'check' | 'close'> & { closed(): boolean } {
  let closed = false;
  const refuse = () => Promise.reject(new StoreUnavailableError(`${parts.backend}: store is closed`));
  return {
    closed: () => closed,
    append: (event) => (closed ? refuse() : (parts.writes.submit({ kind: 'event', event }) as Promise<AppendResult>)),
    quarantine: (item) => (closed ? refuse() : parts.writes.submit({ kind: 'quarantine', item })),
    async check() {
      if (closed) return { ok: false, reason: 'store is closed' };
      try {
        await parts.probe();
        return { ok: true };
      } catch (error) {
        return { ok: false, reason: parts.unavailable(error).message };
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      await parts.writes.drain();
      await parts.release();
    },
  };
}
