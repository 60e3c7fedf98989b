import { describe, expect, it } from 'vitest';
import { allOrNone } from '../src/config/all-or-none.js';

describe('allOrNone: settings that only work together', () => {
  const set =
    (...keys: string[]) =>
    (key: string) =>
      keys.includes(key);
  it('is quiet when none or all are set, and names each missing one with what is set otherwise', () => {
    const keys = ['A', 'B', 'C'];
    expect(allOrNone({ keys, isSet: set() })).toEqual([]);
    expect(allOrNone({ keys, isSet: set('A', 'B', 'C') })).toEqual([]);
    expect(allOrNone({ keys, isSet: set('B'), what: 'the thing', hints: { C: 'why C' } })).toEqual([
      'A: required for the thing when B is set',
      'C: required for the thing when B is set (why C)',
    ]);
    expect(allOrNone({ keys, isSet: set('A', 'B') })).toEqual(['C: required when A and B are set']);
  });

  it('turns on only by its triggers when given (a secret shared with another feature does not)', () => {
    const keys = ['URL', 'KEY', 'SECRET'];
    expect(allOrNone({ keys, triggers: ['URL', 'KEY'], isSet: set('SECRET') })).toEqual([]);
    expect(allOrNone({ keys, triggers: ['URL', 'KEY'], isSet: set('URL', 'SECRET') })).toEqual([
      'KEY: required when URL and SECRET are set',
    ]);
  });
});
