import { describe, expect, it } from 'vitest';
import { GroupCommit } from '../src/store/group-commit.js';

/** A commit that takes `ms`, recording the items in the order it starts them and how many ran at once. */
function slowCommit(ms: number) {
  let active = 0;
  let most = 0;
  const seen: number[] = [];
  return {
    seen,
    maxActive: () => most,
    commit: async (items: number[]) => {
      active += 1;
      most = Math.max(most, active);
      seen.push(...items);
      await new Promise((r) => setTimeout(r, ms));
      active -= 1;
      return items;
    },
  };
}

describe('GroupCommit', () => {
  it('batches what is submitted in one turn of the event loop, in order, at most maxBatch at a time', async () => {
    const calls: number[][] = [];
    const gc = new GroupCommit<number, number>({
      maxBatch: 4,
      commit: (items) => {
        calls.push(items);
        return items.map((i) => i * 10);
      },
    });
    const results = await Promise.all([1, 2, 3, 4, 5, 6].map((i) => gc.submit(i)));
    expect(results).toEqual([10, 20, 30, 40, 50, 60]);
    expect(calls).toEqual([
      [1, 2, 3, 4],
      [5, 6],
    ]);
  });

  it('after a failed batch retries each item alone, so one bad item does not fail its neighbours', async () => {
    const calls: number[][] = [];
    const gc = new GroupCommit<number, number>({
      maxBatch: 10,
      commit: (items) => {
        calls.push(items);
        if (items.includes(2)) throw new Error('bad 2');
        return items;
      },
    });
    const settled = await Promise.allSettled([1, 2, 3].map((i) => gc.submit(i)));
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(calls).toEqual([[1, 2, 3], [1], [2], [3]]);
  });

  it('fails the whole batch at once when isolate says the error is an outage', async () => {
    const calls: number[][] = [];
    const stats: { size: number; ok: boolean }[] = [];
    const gc = new GroupCommit<number, number>({
      maxBatch: 10,
      commit: (items) => {
        calls.push(items);
        throw new Error('connection refused');
      },
      isolate: () => false,
      onCommit: (s) => stats.push({ size: s.size, ok: s.ok }),
    });
    const settled = await Promise.allSettled([1, 2, 3].map((i) => gc.submit(i)));
    expect(settled.every((s) => s.status === 'rejected')).toBe(true);
    expect(calls).toEqual([[1, 2, 3]]);
    expect(stats).toEqual([{ size: 3, ok: false }]);
  });

  it('runs one batch at a time with an async commit, and drain waits for everything', async () => {
    const slow = slowCommit(5);
    const gc = new GroupCommit<number, number>({ maxBatch: 2, commit: slow.commit });
    const all = [1, 2, 3, 4, 5].map((i) => gc.submit(i));
    await gc.drain();
    expect(slow.seen).toEqual([1, 2, 3, 4, 5]);
    expect(slow.maxActive()).toBe(1);
    await Promise.all(all);
  });
});

describe('GroupCommit with maxInFlight', () => {
  it('sends the next batch while one is committing, up to maxInFlight, keeping submission order', async () => {
    const slow = slowCommit(10);
    const gc = new GroupCommit<number, number>({ maxBatch: 2, maxInFlight: 2, commit: slow.commit });
    const results = await Promise.all([1, 2, 3, 4, 5, 6, 7].map((i) => gc.submit(i)));
    expect(results).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(slow.seen).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(slow.maxActive()).toBe(2);
  });
});

describe('canonicalJson', () => {
  it('sorts keys at every depth and matches JSON.stringify otherwise', async () => {
    const { canonicalJson } = await import('../src/providers/canonical-json.js');
    const value = JSON.parse('{"b":[{"z":1,"a":"ü"},null,true],"a":{"y":"\\u0000","x":1.5e300},"__proto__":{"k":1}}');
    expect(canonicalJson(value)).toBe('{"__proto__":{"k":1},"a":{"x":1.5e+300,"y":"\\u0000"},"b":[{"a":"ü","z":1},null,true]}');
    expect(canonicalJson({ b: 1, a: 2 })).toBe(canonicalJson({ a: 2, b: 1 }));
    expect(canonicalJson('x')).toBe('"x"');
  });
});
