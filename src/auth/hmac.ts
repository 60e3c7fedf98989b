import { createHmac, createSecretKey, timingSafeEqual, type KeyObject } from 'node:crypto';
import { failed, passed, type AuthCheck } from './auth-check.js';

/** Headers Veriff signs with (its docs name both); the first present is used. */
export const SIGNATURE_HEADERS = ['x-hmac-signature', 'vrf-hmac-signature'] as const;

const HEX_SHA256 = /^[0-9a-fA-F]{64}$/;

/** Lowercase hex HMAC-SHA256 of the exact bytes: what a sender puts in `x-hmac-signature`. */
export function signHmac(secret: string, body: Buffer | string): string {
  return createHmac('sha256', secret).update(body).digest('hex');
}

export interface HmacVerifier {
  verify(body: Buffer, signature: string | undefined): AuthCheck;
}

/** Secrets are turned into keys once; any one of them may have signed (rotation, several integrations). */
export function createHmacVerifier(secrets: readonly string[]): HmacVerifier {
  const keys: KeyObject[] = secrets.map((s) => createSecretKey(Buffer.from(s, 'utf8')));
  return {
    verify(body, signature) {
      if (signature === undefined || signature === '') return failed('missing signature header');
      const given = signature.trim();
      if (!HEX_SHA256.test(given)) return failed('malformed signature (expected 64 hex characters)');
      const expected = Buffer.from(given, 'hex');
      let match = false;
      for (const key of keys) {
        const actual = createHmac('sha256', key).update(body).digest();
        if (timingSafeEqual(actual, expected)) match = true;
      }
      return match ? passed : failed('signature mismatch');
    },
  };
}
