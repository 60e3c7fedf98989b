import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../clock.js';
import type { IncodeOAuthConfig } from '../config.js';
import { failed, passed, type AuthCheck } from './auth-check.js';
import { matchesAny, timingSafeEqualText } from './timing-safe-equal.js';

const ISSUER = 'ine-webhooks';
const KEY_LABEL = 'ine-webhooks oauth token signing key v1';
const HEADER = b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));

function b64url(text: string | Buffer): string {
  return Buffer.from(text).toString('base64url');
}

export interface TokenResponse {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
}

export interface OAuthIssuer {
  /** Checks client credentials (HTTP Basic or form fields) in constant time. */
  checkClient(clientId: string, clientSecret: string): boolean;
  issue(): TokenResponse;
  /** Verifies a bearer token: signature by any configured secret, audience, client, expiry. */
  verify(token: string | undefined): AuthCheck;
}

/**
 * Stateless tokens (a JWT signed with HS256): every replica that has the client secret derives
 * the same signing key, so no token table is shared, and a rotated-out secret stops its tokens.
 * `audience` names this installation: another one sharing the client secret mints tokens this
 * one refuses.
 */
export function createOAuthIssuer(config: IncodeOAuthConfig, clock: Clock, audience: string): OAuthIssuer {
  const keys = config.clientSecrets.map((secret) => createHmac('sha256', secret).update(KEY_LABEL).digest());
  const secrets = config.clientSecrets.map((s) => Buffer.from(s, 'utf8'));
  const sign = (key: Buffer, input: string) => createHmac('sha256', key).update(input).digest();

  return {
    checkClient(clientId, clientSecret) {
      const idOk = timingSafeEqualText(clientId, config.clientId);
      const secretOk = matchesAny(Buffer.from(clientSecret, 'utf8'), secrets);
      return idOk && secretOk;
    },

    issue() {
      const iat = Math.floor(clock.now() / 1000);
      const exp = iat + config.tokenTtlSeconds;
      const claims = b64url(JSON.stringify({ iss: ISSUER, aud: audience, sub: config.clientId, iat, exp, jti: randomUUID() }));
      const input = `${HEADER}.${claims}`;
      const signature = sign(keys[0]!, input).toString('base64url');
      return { access_token: `${input}.${signature}`, token_type: 'Bearer', expires_in: config.tokenTtlSeconds };
    },

    verify(token) {
      if (token === undefined || token === '') return failed('missing bearer token');
      const parts = token.split('.');
      if (parts.length !== 3) return failed('malformed bearer token');
      const [header, claimsText, signatureText] = parts as [string, string, string];
      if (!timingSafeEqualText(header, HEADER)) return failed('malformed bearer token (unexpected header)');
      const signature = Buffer.from(signatureText, 'base64url');
      if (signature.length !== 32) return failed('malformed bearer token (signature length)');
      const input = `${header}.${claimsText}`;
      let match = false;
      for (const key of keys) {
        if (timingSafeEqual(sign(key, input), signature)) match = true;
      }
      if (!match) return failed('bearer token signature mismatch');
      let claims: { iss?: unknown; aud?: unknown; sub?: unknown; exp?: unknown };
      try {
        claims = JSON.parse(Buffer.from(claimsText, 'base64url').toString('utf8'));
      } catch {
        return failed('malformed bearer token (claims)');
      }
      if (claims.iss !== ISSUER || claims.aud !== audience) return failed('bearer token for another audience');
      if (claims.sub !== config.clientId) return failed('bearer token for another client');
      if (typeof claims.exp !== 'number') return failed('malformed bearer token (no expiry)');
      if (clock.now() >= claims.exp * 1000) return failed('expired bearer token');
      return passed;
    },
  };
}

export interface BasicCredentials {
  id: string;
  secret: string;
}

/**
 * Reads `Authorization: Basic base64(id:secret)`: the credentials as sent, and, when they differ,
 * form-urldecoded. Incode sends them raw (a secret may hold `+`, `/`, `=` or `%`); RFC 6749 §2.3.1
 * says to form-urlencode them first. A client is accepted in either form. Empty when absent or malformed.
 */
export function parseBasicAuth(header: string | undefined): BasicCredentials[] {
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? '');
  if (!match) return [];
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return [];
  const raw = { id: decoded.slice(0, colon), secret: decoded.slice(colon + 1) };
  const formDecode = (text: string) => decodeURIComponent(text.replace(/\+/g, ' '));
  try {
    const form = { id: formDecode(raw.id), secret: formDecode(raw.secret) };
    return form.id === raw.id && form.secret === raw.secret ? [raw] : [raw, form];
  } catch {
    // A lone `%` is not form encoding: the credentials can only be raw.
    return [raw];
  }
}

/** Reads `Authorization: Bearer <token>`; undefined when absent or another scheme. */
export function parseBearer(header: string | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return match?.[1];
}
