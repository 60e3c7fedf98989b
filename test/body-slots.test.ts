import { describe, expect, it } from 'vitest';
import { createBodySlots } from '../src/http/body-slots.js';

describe('body slots', () => {
  it('lets `max` in at once, queues the rest in order, and a cancelled wait gives its place up', async () => {
    const slots = createBodySlots(2);
    const never = new AbortController().signal;
    const a = await slots.acquire(never);
    const b = await slots.acquire(never);
    const order: string[] = [];
    const gone = new AbortController();
    const c = slots.acquire(never).then((release) => (order.push('c'), release));
    const d = slots.acquire(gone.signal).then(
      () => order.push('d'),
      () => order.push('d cancelled'),
    );
    const e = slots.acquire(never).then((release) => (order.push('e'), release));
    expect(slots.inUse).toBe(2);
    gone.abort(new Error('client left'));
    await d;
    a();
    a(); // releasing twice frees one slot only
    const releaseC = await c;
    expect(order).toEqual(['d cancelled', 'c']);
    b();
    (await e)();
    releaseC();
    expect(order).toEqual(['d cancelled', 'c', 'e']);
    expect(slots.inUse).toBe(0);
  });
});
