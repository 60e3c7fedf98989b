import { hash } from 'node:crypto';
import { canonicalJson } from './canonical-json.js';
import type { ProviderName } from './provider.js';

/**
 * An event's id: the SHA-256 of its provider, kind and deduplication material, so a redelivery
 * has the same id on every replica and the store's unique key counts it. This formula never
 * changes: a redelivery after an upgrade must still be a duplicate (test/event-id.test.ts pins it).
 */
export function eventId(provider: ProviderName, type: string, dedupeMaterial: unknown): string {
  return hash('sha256', `${provider}\n${type}\n${canonicalJson(dedupeMaterial)}`, 'hex');
}
