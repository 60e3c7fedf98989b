import { hash } from 'node:crypto';
import type Database from 'better-sqlite3';

/** What SQLite's `lookups` table finds events by. */
export type LookupKind = 'id' | 'session' | 'reference';

/**
 * The key an event is found under in `lookups`: 53 bits of the SHA-256 of kind and value, a safe
 * JavaScript integer and an 8-byte SQLite INTEGER (the text would make the index four times the
 * size). Two values may share a key, so readers also compare the column itself.
 */
export function lookupKey(kind: LookupKind, value: string): number {
  const digest = hash('sha256', `${kind}:${value}`, 'buffer');
  return digest.readUInt32BE(0) * 2 ** 21 + (digest.readUInt32BE(4) >>> 11);
}

/** `lookup_key(kind, value)` in SQL, for the migration that fills `lookups` from existing events. */
export function registerLookupKey(db: Database.Database): void {
  db.function('lookup_key', { deterministic: true }, (kind, value) => lookupKey(kind as LookupKind, String(value)));
}
