import { CLEAR_CODEC } from '../src/store/payload-codec.js';
import { describe, expect, it } from 'vitest';
import { StoreUnavailableError } from '../src/errors.js';
import { GroupCommit } from '../src/store/group-commit.js';
import { PROBE_INTERVAL_MS, storeLifecycle, type StoreWrite, type StoreWriteResult } from '../src/store/store-lifecycle.js';
import { newEvent } from './helpers/store-contract.js';
import { manualClock } from './helpers/harness.js';

/** A lifecycle over a fake backend whose commits and probes the test decides. */
function fakeStore() {
  const clock = manualClock();
  const state = { probes: 0, probeFails: false, commitFails: false };
  const writes = new GroupCommit<StoreWrite, StoreWriteResult>({
    maxBatch: 8,
    isolate: () => false,
    commit: (batch) => {
      if (state.commitFails) throw new StoreUnavailableError('sqlite: SQLITE_FULL: database or disk is full');
      return batch.map(() => ({ id: 'x', seq: '1', deliveries: 1, duplicate: false }));
    },
  });
  const store = storeLifecycle({
    backend: 'sqlite',
    codec: CLEAR_CODEC,
    clock,
    writes,
    probe: () => {
      state.probes += 1;
      if (state.probeFails) throw Object.assign(new Error('disk I/O error'), { code: 'SQLITE_IOERR' });
    },
    release: () => undefined,
  });
  return { store, state, clock };
}

describe('store readiness (check)', () => {
  it('probes at most once per interval however many callers ask', async () => {
    const { store, state, clock } = fakeStore();
    const results = await Promise.all(Array.from({ length: 50 }, () => store.check()));
    expect(results.every((r) => r.ok)).toBe(true);
    expect(state.probes).toBe(1);
    clock.advance(PROBE_INTERVAL_MS - 1);
    await store.check();
    expect(state.probes).toBe(1);
    clock.advance(1);
    await store.check();
    expect(state.probes).toBe(2);
  });

  it('follows the latest commit: a failed one makes it unready whatever the probe says, a good one makes it ready at once', async () => {
    const { store, state } = fakeStore();
    expect(await store.check()).toEqual({ ok: true });
    state.commitFails = true;
    await expect(store.append(newEvent())).rejects.toBeInstanceOf(StoreUnavailableError);
    expect(await store.check()).toEqual({ ok: false, reason: 'the latest commit failed: sqlite: SQLITE_FULL: database or disk is full' });
    state.commitFails = false;
    await store.append(newEvent());
    expect(await store.check()).toEqual({ ok: true });
    expect(state.probes).toBe(1);
  });

  it('shares a failed probe too, until a real commit succeeds', async () => {
    const { store, state } = fakeStore();
    state.probeFails = true;
    expect(await store.check()).toEqual({ ok: false, reason: 'sqlite: SQLITE_IOERR: disk I/O error' });
    state.probeFails = false;
    expect((await store.check()).ok).toBe(false);
    expect(state.probes).toBe(1);
    await store.append(newEvent());
    expect(await store.check()).toEqual({ ok: true });
    expect(state.probes).toBe(2);
  });
});
