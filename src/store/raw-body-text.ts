const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Bytes as UTF-8 text when they are valid UTF-8, else base64, saying which. */
export function rawBodyText(bytes: Buffer): { rawBody: string; rawBodyEncoding: 'utf8' | 'base64' } {
  try {
    return { rawBody: utf8.decode(bytes), rawBodyEncoding: 'utf8' };
  } catch {
    return { rawBody: bytes.toString('base64'), rawBodyEncoding: 'base64' };
  }
}
