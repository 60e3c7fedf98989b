/** One key of PAYLOAD_KEYS: its id (stored beside each item it seals) and its 32 bytes. */
export interface PayloadKey {
  id: string;
  key: Buffer;
}

const KEY_ID = /^[A-Za-z0-9_.-]{1,32}$/;

/**
 * Parses PAYLOAD_KEYS: `<key id>:<base64 of 32 random bytes>`, comma-separated, the first one
 * current. Returns the keys, or every problem found (never a key's bytes in a message).
 */
export function parsePayloadKeys(text: string): { keys: PayloadKey[]; problems: string[] } {
  const keys: PayloadKey[] = [];
  const problems: string[] = [];
  const entries = text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  entries.forEach((entry, i) => {
    const at = entry.indexOf(':');
    const id = at > 0 ? entry.slice(0, at) : '';
    const encoded = at > 0 ? entry.slice(at + 1) : '';
    const key = Buffer.from(encoded, 'base64');
    if (!KEY_ID.test(id)) problems.push(`entry ${i + 1}: must be <key id>:<base64 key>, the id 1-32 letters, digits, _ . or -`);
    else if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encoded) || key.length !== 32) {
      problems.push(`key ${id}: must be the base64 of exactly 32 random bytes (openssl rand -base64 32)`);
    } else if (keys.some((k) => k.id === id)) problems.push(`key ${id}: named twice`);
    else keys.push({ id, key });
  });
  if (entries.length > 0 && keys.length === 0 && problems.length === 0) problems.push('names no key');
  return { keys, problems };
}
