import { createHash, randomBytes } from 'node:crypto';

/** What a key starts with, so a leaked one is recognisable in a secret scanner. */
const PREFIX = 'inek_';

/** A new access key: 32 random bytes (256 bits), base64url, with a recognisable prefix. */
export const generateAccessKey = (): string => `${PREFIX}${randomBytes(32).toString('base64url')}`;

/**
 * What the store keeps of a key. The key is 256 random bits, so a fast hash is enough: nothing
 * short of the key itself finds a preimage, and the lookup is one index probe.
 */
export const hashAccessKey = (key: string): string => createHash('sha256').update(key).digest('hex');

/** A key's name: what the audit trail calls its holder. */
export const KEY_NAME = /^[A-Za-z0-9][A-Za-z0-9._@+-]{0,63}$/;
export const KEY_NAME_RULE = '1-64 characters: letters, digits and . _ @ + -, starting with a letter or digit';
