import { describe, expect, it } from 'vitest';
import { createBodySlots } from '../src/http/body-slots.js';

describe('body slots', () => {
  it('lets `max` in at once, queues the rest in order, and a cancelled wait gives its place up', async () => {
    const slots = createBodySlots(2, 2);
    const never = new AbortController().signal;
    const a = await slots.acquire('a', never);
    const b = await slots.acquire('a', never);
    const order: string[] = [];
    const gone = new AbortController();
    const c = slots.acquire('a', never).then((release) => (order.push('c'), release));
    const d = slots.acquire('a', gone.signal).then(
      () => order.push('d'),
      () => order.push('d cancelled'),
    );
    const e = slots.acquire('a', never).then((release) => (order.push('e'), release));
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

  it('lets one source hold no more than its share: the others get the remaining slots first', async () => {
    const slots = createBodySlots(4, 2);
    const never = new AbortController().signal;
    const flood = [await slots.acquire('10.0.0.9', never), await slots.acquire('10.0.0.9', never)];
    const order: string[] = [];
    const third = slots.acquire('10.0.0.9', never).then((release) => (order.push('flood 3'), release));
    const genuine = await slots.acquire('10.0.0.1', never);
    order.push('genuine');
    expect(slots.inUse).toBe(3);
    flood[0]!();
    (await third)();
    expect(order).toEqual(['genuine', 'flood 3']);
    genuine();
    flood[1]!();
    expect(slots.inUse).toBe(0);
  });
});
