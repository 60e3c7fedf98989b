import { createCipheriv, createDecipheriv, createSecretKey, randomBytes, type KeyObject } from 'node:crypto';
import type { PayloadKey } from '../privacy/payload-keys.js';

const IV_BYTES = 12;
const TAG_BYTES = 16;

/** A stored item sealed with a key that is not configured: the service must not start without it. */
export class MissingPayloadKeyError extends Error {
  constructor(readonly keyId: string) {
    super(
      `stored payloads are sealed with key "${keyId}", which is not in PAYLOAD_KEYS: add it back (after the current key) until ine-webhooks rekey has re-sealed them`,
    );
    this.name = 'MissingPayloadKeyError';
  }
}

/**
 * Where payloads and raw bodies are sealed and opened: the one place that holds PAYLOAD_KEYS.
 * AES-256-GCM with the current key directly and a random 96-bit IV per item (iv | tag |
 * ciphertext); the key id is stored beside the item (`key_id`), never the key. `what` (event
 * or quarantine) is bound as additional data, so a sealed body cannot be moved between the two.
 * Without keys, items are stored as they are and `keyId` is null.
 */
export interface PayloadCodec {
  /** The current key's id, or null when payloads are stored in clear. */
  readonly currentKeyId: string | null;
  seal(what: SealedKind, plain: Buffer): { stored: Buffer; keyId: string | null };
  open(what: SealedKind, stored: Buffer, keyId: string | null): Buffer;
  /** Whether a key of this id is configured. */
  has(keyId: string): boolean;
}

export type SealedKind = 'event' | 'quarantine';

/**
 * Random IVs drawn from a pool refilled a few thousand at a time: one CSPRNG call per item costs
 * more than sealing it (BENCHMARKS.md).
 */
function ivSource(): () => Buffer {
  let pool = Buffer.alloc(0);
  let at = 0;
  return () => {
    if (at + IV_BYTES > pool.length) {
      pool = randomBytes(IV_BYTES * 4096);
      at = 0;
    }
    at += IV_BYTES;
    return pool.subarray(at - IV_BYTES, at);
  };
}

export function createPayloadCodec(keys: readonly PayloadKey[]): PayloadCodec {
  // KeyObjects, made once: a cipher set up from raw key bytes costs several times more.
  const byId = new Map<string, KeyObject>(keys.map((k) => [k.id, createSecretKey(k.key)]));
  const current = keys[0] ? { id: keys[0].id, key: byId.get(keys[0].id)! } : undefined;
  const nextIv = ivSource();
  return {
    currentKeyId: current?.id ?? null,
    has: (keyId) => byId.has(keyId),
    seal(what, plain) {
      if (!current) return { stored: plain, keyId: null };
      const iv = nextIv();
      const cipher = createCipheriv('aes-256-gcm', current.key, iv);
      cipher.setAAD(Buffer.from(what));
      const body = Buffer.concat([cipher.update(plain), cipher.final()]);
      return { stored: Buffer.concat([iv, cipher.getAuthTag(), body]), keyId: current.id };
    },
    open(what, stored, keyId) {
      if (keyId === null) return stored;
      const key = byId.get(keyId);
      if (!key) throw new MissingPayloadKeyError(keyId);
      const decipher = createDecipheriv('aes-256-gcm', key, stored.subarray(0, IV_BYTES));
      decipher.setAAD(Buffer.from(what));
      decipher.setAuthTag(stored.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
      return Buffer.concat([decipher.update(stored.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]);
    },
  };
}

/** An event's raw body as the `raw_body` text column holds it: the JSON text, or base64 of the sealed bytes. */
export function sealEventBody(codec: PayloadCodec, rawBody: string): { rawBody: string; keyId: string | null } {
  if (codec.currentKeyId === null) return { rawBody, keyId: null };
  const { stored, keyId } = codec.seal('event', Buffer.from(rawBody));
  return { rawBody: stored.toString('base64'), keyId };
}

/** The JSON text of a stored event body (see sealEventBody). */
export function openEventBody(codec: PayloadCodec, stored: string, keyId: string | null): string {
  if (keyId === null) return stored;
  return codec.open('event', Buffer.from(stored, 'base64'), keyId).toString('utf8');
}

/** Payloads in clear: the codec of a store without PAYLOAD_KEYS (and of tests). */
export const CLEAR_CODEC: PayloadCodec = createPayloadCodec([]);
