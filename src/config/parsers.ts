import { z } from 'zod';
import { parseCidr } from '../auth/ip-allow-list.js';

/* The reusable parsers of settings: each takes the text of an environment variable (\`KEY=\` is
   unset) and gives its value or a specific message. */

export const MIN_OWN_SECRET = 16;
export const HEADER_TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
export const RESERVED_HEADERS = new Set([
  'authorization',
  'content-type',
  'content-length',
  'content-encoding',
  'host',
  'transfer-encoding',
  'x-hmac-signature',
  'vrf-hmac-signature',
  'x-auth-client',
  'connection',
  'cookie',
]);

/** `KEY=` in a .env file means unset, not an empty value. */
export const unsetIfEmpty = (value: unknown) => (typeof value === 'string' && value.trim() === '' ? undefined : value);

export const optionalText = z.preprocess(unsetIfEmpty, z.string().trim().optional());

/** A comma-separated setting as its items, trimmed, empty ones dropped; unset is none. */
const commaItems = z
  .string()
  .optional()
  .transform((text) =>
    (text ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== ''),
  );

export const list = (what: string, minLength = 1) =>
  z.preprocess(
    unsetIfEmpty,
    commaItems.check((ctx) => {
      for (const item of ctx.value) {
        if (item.length < minLength) {
          ctx.issues.push({ code: 'custom', input: ctx.value, message: `each ${what} must be at least ${minLength} characters` });
          return;
        }
      }
    }),
  );

export const cidrList = z.preprocess(
  unsetIfEmpty,
  commaItems.check((ctx) => {
    const bad = ctx.value.filter((c) => parseCidr(c) === null);
    if (bad.length > 0) {
      ctx.issues.push({ code: 'custom', input: ctx.value, message: `not an IP address or CIDR range: ${bad.join(', ')}` });
    }
  }),
);

export const integer = (fallback: number, min: number, max: number) =>
  z.preprocess(unsetIfEmpty, z.coerce.number().int().min(min).max(max).default(fallback));

const UNITS: Record<string, number> = { b: 1, kb: 1024, kib: 1024, mb: 1024 ** 2, mib: 1024 ** 2 };
export const byteSize = z.preprocess(
  unsetIfEmpty,
  z
    .string()
    .default('256kb')
    .transform((text, ctx) => {
      const match = /^(\d+)\s*([a-z]*)$/i.exec(text.trim());
      const unit = UNITS[(match?.[2] || 'b').toLowerCase()];
      if (!match || unit === undefined) {
        ctx.addIssue({ code: 'custom', message: 'must be a size like 262144, 256kb or 1mb' });
        return z.NEVER;
      }
      const bytes = Number(match[1]) * unit;
      if (bytes < 1024 || bytes > 16 * 1024 ** 2) {
        ctx.addIssue({ code: 'custom', message: 'must be between 1kb and 16mb' });
        return z.NEVER;
      }
      return bytes;
    }),
);

export const trustProxy = z.preprocess(
  unsetIfEmpty,
  z
    .string()
    .default('false')
    .transform((text, ctx): false | number | string => {
      const value = text.trim();
      if (value === 'false') return false;
      if (value === 'true') {
        // Express would then take the left-most X-Forwarded-For address, which any client can write.
        ctx.addIssue({
          code: 'custom',
          message:
            'true trusts every proxy, so any client could spoof its address with X-Forwarded-For; name your proxies instead: their addresses or CIDRs (e.g. 10.0.0.0/8), loopback, or a hop count (e.g. 1)',
        });
        return z.NEVER;
      }
      if (/^\d+$/.test(value)) return Number(value);
      const names = new Set(['loopback', 'linklocal', 'uniquelocal']);
      const bad = value
        .split(',')
        .map((s) => s.trim())
        .filter((s) => !names.has(s) && parseCidr(s) === null);
      if (bad.length > 0) {
        ctx.addIssue({
          code: 'custom',
          message: `must be false, a hop count, or addresses/CIDRs/loopback/linklocal/uniquelocal; not: ${bad.join(', ')}`,
        });
        return z.NEVER;
      }
      return value;
    }),
);

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
/** A duration like 3600 (seconds), 90m, 24h or 7d, in milliseconds. */
export const duration = (fallback: string) =>
  z.preprocess(
    unsetIfEmpty,
    z
      .string()
      .default(fallback)
      .transform((text, ctx) => {
        const match = /^(\d+)\s*(ms|s|m|h|d)?$/i.exec(text.trim());
        if (!match || Number(match[1]) === 0) {
          ctx.addIssue({ code: 'custom', message: 'must be a duration like 3600 (seconds), 90m, 24h or 7d' });
          return z.NEVER;
        }
        return Number(match[1]) * DURATION_UNITS[(match[2] ?? 's').toLowerCase()]!;
      }),
  );

/** A duration like 180d, 12h, 30m or 45s, in milliseconds; unset: undefined. */
export const optionalDuration = z.preprocess(
  unsetIfEmpty,
  z
    .string()
    .optional()
    .transform((text, ctx) => {
      if (text === undefined) return undefined;
      const match = /^(\d+)\s*(s|m|h|d)$/i.exec(text.trim());
      if (!match || Number(match[1]) === 0) {
        ctx.addIssue({ code: 'custom', message: 'must be a duration like 180d, 12h, 30m or 45s' });
        return z.NEVER;
      }
      return Number(match[1]) * DURATION_UNITS[match[2]!.toLowerCase()]!;
    }),
);

export const httpUrl = z.preprocess(
  unsetIfEmpty,
  z
    .string()
    .trim()
    .refine((text) => URL.canParse(text) && /^https?:$/.test(new URL(text).protocol), 'must be an http:// or https:// URL')
    .optional(),
);

/** A Standard Webhooks signing key: whsec_ and base64 of at least 16 random bytes. */
export const webhookSecret = z.preprocess(
  unsetIfEmpty,
  z
    .string()
    .trim()
    .refine((text) => {
      const key = text.startsWith('whsec_') ? text.slice('whsec_'.length) : '';
      return /^[A-Za-z0-9+/]+={0,2}$/.test(key) && Buffer.from(key, 'base64').length >= 16;
    }, 'must be a Standard Webhooks key: whsec_ followed by base64 of at least 16 random bytes (e.g. whsec_$(openssl rand -base64 32))')
    .optional(),
);
