import { createHash } from 'node:crypto';
import type { Clock } from '../clock.js';
import { StoreUnavailableError } from '../errors.js';
import type { AppendResult, EventStore, NewEvent, NewQuarantineItem, OutboxEntry, StoreHealth } from './event-store.js';
import type { GroupCommit } from './group-commit.js';
import { sealEventBody, type PayloadCodec } from './payload-codec.js';

export type StoreWrite = { kind: 'event'; event: NewEvent } | { kind: 'quarantine'; item: NewQuarantineItem };
export type StoreWriteResult = AppendResult | { id: string; deliveries: number; duplicate: boolean };

export type Backend = 'sqlite' | 'postgres';

/** However many callers ask for readiness, the store is probed at most once per this interval. */
export const PROBE_INTERVAL_MS = 1000;

/** Any failure of a backend as the error the HTTP layer turns into 503: `backend: CODE: message`. */
export function storeUnavailable(backend: Backend, error: unknown): StoreUnavailableError {
  if (error instanceof StoreUnavailableError) return error;
  const e = error as { code?: string; message?: string };
  return new StoreUnavailableError(`${backend}: ${e.code ?? 'error'}: ${e.message ?? String(error)}`, { cause: error });
}

export interface LifecycleParts {
  backend: Backend;
  /** Seals bodies as they enter the store (PAYLOAD_KEYS); the backends open them as they leave. */
  codec: PayloadCodec;
  writes: GroupCommit<StoreWrite, StoreWriteResult>;
  /** A real write that shows whether the store accepts writes now; throws when it does not. */
  probe(): unknown;
  /** For sharing probes between callers (PROBE_INTERVAL_MS). */
  clock: Clock;
  /** Releases the database once the queued writes are committed. */
  release(): unknown;
  /** Where a newly stored event is queued when its caller did not say (sinks, follow-up fetches). */
  routing?: ((event: NewEvent) => OutboxEntry[]) | undefined;
}

/**
 * What every backend does alike: writes through its group commit, reads refused once closed, the
 * readiness probe, and an orderly close.
 */
export function storeLifecycle(
  parts: LifecycleParts,
): Pick<EventStore, 'append' | 'quarantine' | 'check' | 'close'> & { read<T>(query: () => T | Promise<T>): Promise<T> } {
  let closed = false;
  /** Why the latest write failed, until a write commits again: readiness follows real commits. */
  let lastFailure: string | undefined;
  /** The latest probe, shared by every caller for PROBE_INTERVAL_MS (a crowd of health checkers costs one write). */
  let probed: { at: number; failed: boolean; health: Promise<StoreHealth> } | undefined;
  const probe = async (): Promise<StoreHealth> => {
    try {
      await parts.probe();
      return { ok: true };
    } catch (error) {
      return { ok: false, reason: storeUnavailable(parts.backend, error).message };
    }
  };
  const refuse = () => Promise.reject(new StoreUnavailableError(`${parts.backend}: store is closed`));
  const write = <T>(pending: Promise<T>): Promise<T> =>
    pending.then(
      (result) => {
        lastFailure = undefined;
        // A real commit is fresher news than a failed probe: the next check probes again.
        if (probed?.failed) probed = undefined;
        return result;
      },
      (error: unknown) => {
        if (error instanceof StoreUnavailableError) lastFailure = error.message;
        throw error;
      },
    );
  return {
    /** Runs a read; its failure becomes StoreUnavailableError. */
    async read(query) {
      if (closed) return refuse();
      try {
        return await query();
      } catch (error) {
        throw storeUnavailable(parts.backend, error);
      }
    },
    append(event) {
      if (closed) return refuse();
      const outbox = event.outbox === undefined && parts.routing ? parts.routing(event) : event.outbox;
      const sealed = { ...event, ...sealEventBody(parts.codec, event.rawBody), outbox };
      return write(parts.writes.submit({ kind: 'event', event: sealed }) as Promise<AppendResult>);
    },
    quarantine(item) {
      if (closed) return refuse();
      // Redeliveries are counted by the hash of the bytes received, not of their sealed form.
      const bodyHash = createHash('sha256').update(item.rawBody).digest('hex');
      const { stored, keyId } = parts.codec.seal('quarantine', item.rawBody);
      return write(parts.writes.submit({ kind: 'quarantine', item: { ...item, rawBody: stored, bodyHash, keyId } }));
    },
    async check() {
      if (closed) return { ok: false, reason: 'store is closed' };
      // A small probe row can still fit where a delivery does not (a nearly full disk): the latest
      // real commit's failure stands until a real commit succeeds again.
      if (lastFailure !== undefined) return { ok: false, reason: `the latest commit failed: ${lastFailure}` };
      const now = parts.clock.now();
      if (!probed || now - probed.at >= PROBE_INTERVAL_MS) {
        const shared: NonNullable<typeof probed> = { at: now, failed: false, health: probe() };
        void shared.health.then((h) => (shared.failed = !h.ok));
        probed = shared;
      }
      return probed.health;
    },
    async close() {
      if (closed) return;
      closed = true;
      await parts.writes.drain();
      await parts.release();
    },
  };
}
