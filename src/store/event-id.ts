import { randomBytes } from 'node:crypto';

/**
 * A UUID in the version 7 layout: 48 bits of milliseconds, then random bits. Ids made later sort
 * later, so the unique index on `id` grows at its right edge instead of splitting pages at random.
 */
export function eventId(now = Date.now()): string {
  const b = randomBytes(16);
  b.writeUIntBE(now, 0, 6);
  b[6] = 0x70 | (b[6]! & 0x0f);
  b[8] = 0x80 | (b[8]! & 0x3f);
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
