import { describe, expect, it } from 'vitest';
import { GroupCommit } from '../src/store/group-commit.js';

describe('GroupCommit', () => {
  it('batches what is submitted in one turn of the event loop, in order, at most maxBatch at a time', async () => {
    const calls: number[][] = [];
    const gc = new GroupCommit<number, number>({ maxBatch: 4, commit: (items) => { calls.push(items); return items.map((i) => ({ ok: true, value: i * 10 })); } });
    const results = await Promise.all([1, 2, 3, 4, 5, 6].map((i) => gc.submit(i)));
    expect(results).toEqual([10, 20, 30, 40, 50, 60]);
    expect(calls).toEqual([[1, 2, 3, 4], [5, 6]]);
  });

  it('gives each item its own fate, and rejects the whole batch when the commit throws', async () => {
    let fail = false;
    const gc = new GroupCommit<number, number>({
      maxBatch: 10,
      commit: (items) => {
        if (fail) throw new Error('disk full');
        return items.map((i) => (i % 2 ? { ok: true, value: i } : { ok: false, error: new Error(`bad ${i}`) }));
      },
    });
    const settled = await Promise.allSettled([1, 2, 3].map((i) => gc.submit(i)));
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    fail = true;
    await expect(gc.submit(5)).rejects.toThrow('disk full');
  });

  it('runs one batch at a time with an async commit, and drain waits for everything', async () => {
    let active = 0;
    let maxActive = 0;
    const seen: number[] = [];
    const gc = new GroupCommit<number, number>({
      maxBatch: 2,
      commit: async (items) => {
        active += 1;
        maxActive = Math.max(maxActive, active);
        await new Promise((r) => setTimeout(r, 5));
        seen.push(...items);
        active -= 1;
        return items.map((value) => ({ ok: true, value }));
      },
    });
    const all = [1, 2, 3, 4, 5].map((i) => gc.submit(i));
    await gc.drain();
    expect(seen).toEqual([1, 2, 3, 4, 5]);
    expect(maxActive).toBe(1);
    await Promise.all(all);
  });
});
