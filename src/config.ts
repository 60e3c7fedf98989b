import path from 'node:path';
import { z } from 'zod';
import { parseCidr } from './auth/ip-allow-list.js';
import { ConfigError } from './errors.js';
import { parseProxyRoles, type ProxyRoleRule } from './access/proxy-roles.js';
import { parsePayloadKeys, type PayloadKey } from './privacy/payload-keys.js';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface IncodeOAuthConfig {
  clientId: string;
  /** The first signs new tokens; every one is accepted (rotation). */
  clientSecrets: string[];
  tokenTtlSeconds: number;
  /** The tokens' audience: this installation's id when unset. */
  audience: string | undefined;
}

/** Where stored events are forwarded, and how hard the relay tries (each sink is off unless configured). */
export interface ForwardConfig {
  http: { url: string; secret: string } | undefined;
  nats: { url: string; stream: string; subjectPrefix: string } | undefined;
  timeoutMs: number;
  backoffMaxMs: number;
  maxAttempts: number;
  maxAgeMs: number;
}

/** The follow-up fetches from the vendors' APIs (each off unless fully configured). */
export interface FetchConfig {
  incode: { apiUrl: string; apiKey: string; email: string; password: string } | undefined;
  veriff: { apiUrl: string; apiKey: string; secret: string; reconcileAfterMs: number } | undefined;
}

export interface Config {
  env: 'development' | 'production' | 'test';
  host: string;
  port: number;
  adminHost: string;
  adminPort: number;
  /** The break-glass admin key (`admin-token` in the audit trail); named keys live in the store. */
  adminToken: string | undefined;
  /** Personal data: the keys bodies are sealed with (the first is current) and how long bodies are kept. */
  privacy: { payloadKeys: PayloadKey[]; payloadRetentionMs: number | undefined; quarantineRetentionMs: number };
  /** Single sign-on through a proxy: its header, its addresses, and the identity → role rules. */
  authProxy: { header: string; cidrs: string[]; roles: ProxyRoleRule[] } | undefined;
  dataDir: string;
  /** Unset: the embedded SQLite store in `dataDir`. */
  databaseUrl: string | undefined;
  bodyLimit: number;
  logLevel: LogLevel;
  /** Express's `trust proxy` setting: false, a hop count, or addresses/CIDRs/names (never `true`). */
  trustProxy: false | number | string;
  timeouts: { headersMs: number; requestMs: number; keepAliveMs: number; shutdownMs: number };
  /** Open connections the public listener keeps at once. */
  maxConnections: number;
  /** Webhook bodies read at once, per kind of route (header-verified or not); more wait for a slot. */
  maxBodiesInFlight: number;
  /** How fast a body must arrive once its reading starts (else 408). */
  bodyPace: { timeoutMs: number; minRate: number };
  store: { batchMax: number; migrateOnStart: boolean };
  postgres: { poolMax: number; queryTimeoutMs: number; connectTimeoutMs: number };
  forward: ForwardConfig;
  fetch: FetchConfig;
  veriff: { secrets: string[]; allowedIps: string[] };
  incode: {
    headerName: string | undefined;
    headerSecrets: string[];
    oauth: IncodeOAuthConfig | undefined;
    hmacSecrets: string[];
    allowedIps: string[];
  };
}

const MIN_OWN_SECRET = 16;
const HEADER_TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const RESERVED_HEADERS = new Set([
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
const unsetIfEmpty = (value: unknown) => (typeof value === 'string' && value.trim() === '' ? undefined : value);

const optionalText = z.preprocess(unsetIfEmpty, z.string().trim().optional());

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

const list = (what: string, minLength = 1) =>
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

const cidrList = z.preprocess(
  unsetIfEmpty,
  commaItems.check((ctx) => {
    const bad = ctx.value.filter((c) => parseCidr(c) === null);
    if (bad.length > 0) {
      ctx.issues.push({ code: 'custom', input: ctx.value, message: `not an IP address or CIDR range: ${bad.join(', ')}` });
    }
  }),
);

const integer = (fallback: number, min: number, max: number) =>
  z.preprocess(unsetIfEmpty, z.coerce.number().int().min(min).max(max).default(fallback));

const UNITS: Record<string, number> = { b: 1, kb: 1024, kib: 1024, mb: 1024 ** 2, mib: 1024 ** 2 };
const byteSize = z.preprocess(
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

const trustProxy = z.preprocess(
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
const duration = (fallback: string) =>
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
const optionalDuration = z.preprocess(
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

const httpUrl = z.preprocess(
  unsetIfEmpty,
  z
    .string()
    .trim()
    .refine((text) => URL.canParse(text) && /^https?:$/.test(new URL(text).protocol), 'must be an http:// or https:// URL')
    .optional(),
);

/** A Standard Webhooks signing key: whsec_ and base64 of at least 16 random bytes. */
const webhookSecret = z.preprocess(
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

const envSchema = z.object({
  NODE_ENV: z.preprocess(unsetIfEmpty, z.enum(['development', 'production', 'test']).default('production')),
  HOST: z.preprocess(unsetIfEmpty, z.string().default('0.0.0.0')),
  PORT: integer(3000, 0, 65535),
  ADMIN_HOST: z.preprocess(unsetIfEmpty, z.string().default('0.0.0.0')),
  ADMIN_PORT: integer(9090, 0, 65535),
  ADMIN_TOKEN: z.preprocess(unsetIfEmpty, z.string().min(MIN_OWN_SECRET, `must be at least ${MIN_OWN_SECRET} characters`).optional()),
  PAYLOAD_KEYS: z.preprocess(unsetIfEmpty, z.string().optional()),
  PAYLOAD_RETENTION: optionalDuration,
  QUARANTINE_RETENTION: z.preprocess((v) => unsetIfEmpty(v) ?? '30d', optionalDuration),
  AUTH_PROXY_HEADER: optionalText,
  AUTH_PROXY_CIDRS: cidrList,
  AUTH_PROXY_ROLES: optionalText,
  DATA_DIR: z.preprocess(unsetIfEmpty, z.string().default('./data')),
  DATABASE_URL: z.preprocess(
    unsetIfEmpty,
    z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'must start with postgres:// or postgresql:// (leave it unset for the embedded SQLite store)')
      .optional(),
  ),
  BODY_LIMIT: byteSize,
  LOG_LEVEL: z.preprocess(unsetIfEmpty, z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info')),
  TRUST_PROXY: trustProxy,
  HEADERS_TIMEOUT_MS: integer(10_000, 1_000, 600_000),
  REQUEST_TIMEOUT_MS: integer(30_000, 1_000, 600_000),
  KEEP_ALIVE_TIMEOUT_MS: integer(5_000, 100, 600_000),
  SHUTDOWN_TIMEOUT_MS: integer(10_000, 0, 600_000),
  MAX_CONNECTIONS: integer(10_000, 10, 1_000_000),
  MAX_BODIES_IN_FLIGHT: integer(256, 1, 100_000),
  BODY_TIMEOUT_MS: integer(10_000, 500, 600_000),
  BODY_MIN_RATE: integer(1024, 0, 1_000_000_000),
  STORE_BATCH_MAX: integer(256, 1, 10_000),
  MIGRATE_ON_START: z.preprocess(unsetIfEmpty, z.enum(['true', 'false']).default('true')),
  PG_POOL_MAX: integer(10, 1, 1000),
  PG_QUERY_TIMEOUT_MS: integer(5_000, 100, 600_000),
  PG_CONNECT_TIMEOUT_MS: integer(5_000, 100, 600_000),
  FORWARD_URL: httpUrl,
  FORWARD_SECRET: webhookSecret,
  FORWARD_TIMEOUT_MS: integer(10_000, 100, 600_000),
  FORWARD_BACKOFF_MAX_MS: integer(60_000, 1_000, 86_400_000),
  FORWARD_MAX_ATTEMPTS: integer(20, 1, 1_000_000),
  FORWARD_MAX_AGE: duration('24h'),
  NATS_URL: z.preprocess(
    unsetIfEmpty,
    z
      .string()
      .trim()
      .regex(
        /^((nats|tls):\/\/)?[^\s/]+(:\d+)?(,((nats|tls):\/\/)?[^\s/]+(:\d+)?)*$/,
        'must be a NATS server address like nats://127.0.0.1:4222',
      )
      .optional(),
  ),
  NATS_STREAM: z.preprocess(
    unsetIfEmpty,
    z
      .string()
      .trim()
      .regex(/^[A-Za-z0-9_-]{1,255}$/, 'must be a JetStream stream name: letters, digits, _ and -')
      .default('INE_EVENTS'),
  ),
  NATS_SUBJECT_PREFIX: z.preprocess(
    unsetIfEmpty,
    z
      .string()
      .trim()
      .regex(
        /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/,
        'must be subject tokens (letters, digits, _ and -) joined by dots, e.g. ine or prod.ine',
      )
      .default('ine'),
  ),
  INCODE_API_URL: httpUrl,
  INCODE_API_KEY: optionalText,
  INCODE_EXECUTIVE_EMAIL: optionalText,
  INCODE_EXECUTIVE_PASSWORD: z.preprocess(unsetIfEmpty, z.string().optional()),
  VERIFF_API_URL: httpUrl,
  VERIFF_API_KEY: optionalText,
  VERIFF_RECONCILE_AFTER_SECONDS: integer(3600, 0, 7 * 86_400),
  VERIFF_SHARED_SECRET: list('secret'),
  VERIFF_ALLOWED_IPS: cidrList,
  INCODE_HEADER_NAME: optionalText,
  INCODE_HEADER_SECRET: list('secret', MIN_OWN_SECRET),
  INCODE_OAUTH_CLIENT_ID: optionalText,
  INCODE_OAUTH_CLIENT_SECRET: list('secret', MIN_OWN_SECRET),
  INCODE_OAUTH_TOKEN_TTL: integer(3600, 60, 86_400),
  INCODE_OAUTH_AUDIENCE: optionalText,
  INCODE_HMAC_SECRET: list('secret'),
  INCODE_ALLOWED_IPS: cidrList,
});

/** Every environment variable the service reads (kept in step with .env.example and the README by a test). */
export const SETTING_NAMES: readonly string[] = Object.keys(envSchema.shape);

type Env = Record<string, string | undefined>;

/** Parses the environment once; throws ConfigError listing every problem. */
export function loadConfig(env: Env): Config {
  const parsed = envSchema.safeParse(env);
  const problems: string[] = parsed.success
    ? []
    : parsed.error.issues.map((issue) => `${issue.path.join('.') || 'environment'}: ${issue.message}`);
  // Every problem at once: the checks across settings run on those that parsed, even when others did not.
  const failed = new Set(parsed.success ? [] : parsed.error.issues.map((issue) => String(issue.path[0])));
  const e = (
    parsed.success
      ? parsed.data
      : Object.fromEntries(Object.entries(envSchema.shape).map(([key, schema]) => [key, (schema as z.ZodType).safeParse(env[key]).data]))
  ) as z.infer<typeof envSchema>;
  const valid = (...keys: (keyof typeof envSchema.shape)[]) => keys.every((k) => !failed.has(k));

  const headerName = valid('INCODE_HEADER_NAME', 'INCODE_HEADER_SECRET') ? e.INCODE_HEADER_NAME?.toLowerCase() : undefined;
  if (valid('INCODE_HEADER_NAME', 'INCODE_HEADER_SECRET')) {
    if (headerName !== undefined && e.INCODE_HEADER_SECRET.length === 0) {
      problems.push('INCODE_HEADER_SECRET: required when INCODE_HEADER_NAME is set');
    }
    if (headerName === undefined && e.INCODE_HEADER_SECRET.length > 0) {
      problems.push('INCODE_HEADER_NAME: required when INCODE_HEADER_SECRET is set (the custom header Incode sends it in)');
    }
  }
  if (headerName !== undefined && !HEADER_TOKEN.test(headerName)) {
    problems.push('INCODE_HEADER_NAME: not a valid HTTP header name');
  }
  if (headerName !== undefined && RESERVED_HEADERS.has(headerName)) {
    problems.push(`INCODE_HEADER_NAME: ${headerName} is a standard or signature header; choose a custom one such as x-webhook-secret`);
  }
  if (valid('INCODE_OAUTH_CLIENT_ID', 'INCODE_OAUTH_CLIENT_SECRET')) {
    const oauthId = e.INCODE_OAUTH_CLIENT_ID;
    const oauthSecrets = e.INCODE_OAUTH_CLIENT_SECRET;
    if (oauthId !== undefined && oauthSecrets.length === 0) {
      problems.push('INCODE_OAUTH_CLIENT_SECRET: required when INCODE_OAUTH_CLIENT_ID is set');
    }
    if (oauthId === undefined && oauthSecrets.length > 0) {
      problems.push('INCODE_OAUTH_CLIENT_ID: required when INCODE_OAUTH_CLIENT_SECRET is set');
    }
    if (oauthId !== undefined && /[:\s]/.test(oauthId)) {
      problems.push('INCODE_OAUTH_CLIENT_ID: must not contain a colon or white space (HTTP Basic credentials)');
    }
  }
  let payloadKeys: PayloadKey[] = [];
  if (valid('PAYLOAD_KEYS') && e.PAYLOAD_KEYS !== undefined) {
    const parsed = parsePayloadKeys(e.PAYLOAD_KEYS);
    problems.push(...parsed.problems.map((p) => `PAYLOAD_KEYS: ${p}`));
    payloadKeys = parsed.keys;
  }
  let proxyRoles: ProxyRoleRule[] = [];
  if (valid('AUTH_PROXY_HEADER', 'AUTH_PROXY_CIDRS', 'AUTH_PROXY_ROLES')) {
    const header = e.AUTH_PROXY_HEADER;
    if (header !== undefined && !HEADER_TOKEN.test(header)) problems.push('AUTH_PROXY_HEADER: not a valid HTTP header name');
    if (header !== undefined && e.AUTH_PROXY_CIDRS.length === 0) {
      problems.push(
        "AUTH_PROXY_CIDRS: required when AUTH_PROXY_HEADER is set (the proxy's addresses: the header is trusted from them only)",
      );
    }
    if (header !== undefined && e.AUTH_PROXY_ROLES === undefined) {
      problems.push('AUTH_PROXY_ROLES: required when AUTH_PROXY_HEADER is set (e.g. ana@example.mx=admin,*@example.mx=viewer)');
    }
    if (header === undefined && (e.AUTH_PROXY_CIDRS.length > 0 || e.AUTH_PROXY_ROLES !== undefined)) {
      problems.push(
        'AUTH_PROXY_HEADER: required when AUTH_PROXY_CIDRS or AUTH_PROXY_ROLES is set (the header the proxy puts the identity in)',
      );
    }
    if (e.AUTH_PROXY_ROLES !== undefined) {
      const parsed = parseProxyRoles(e.AUTH_PROXY_ROLES);
      problems.push(...parsed.problems.map((p) => `AUTH_PROXY_ROLES: ${p}`));
      proxyRoles = parsed.rules;
    }
  }
  if (valid('PORT', 'ADMIN_PORT') && e.PORT !== 0 && e.PORT === e.ADMIN_PORT) {
    problems.push('ADMIN_PORT: must differ from PORT (the admin listener is never on the public port)');
  }
  if (valid('HEADERS_TIMEOUT_MS', 'REQUEST_TIMEOUT_MS') && e.HEADERS_TIMEOUT_MS > e.REQUEST_TIMEOUT_MS) {
    problems.push('HEADERS_TIMEOUT_MS: must not exceed REQUEST_TIMEOUT_MS');
  }
  if (valid('FORWARD_URL', 'FORWARD_SECRET')) {
    if (e.FORWARD_URL !== undefined && e.FORWARD_SECRET === undefined) {
      problems.push('FORWARD_SECRET: required when FORWARD_URL is set (the key forwarded events are signed with)');
    }
    if (e.FORWARD_URL === undefined && e.FORWARD_SECRET !== undefined) {
      problems.push('FORWARD_URL: required when FORWARD_SECRET is set (where events are forwarded)');
    }
  }
  /** A fetcher is on when any of its settings is set; then every one of them is required. */
  const allOrNone = (what: string, required: (keyof typeof envSchema.shape)[], isSet: (key: keyof typeof envSchema.shape) => boolean) => {
    if (!valid(...required)) return;
    const given = required.filter(isSet);
    if (given.length > 0 && given.length < required.length) {
      const missing = required.filter((k) => !isSet(k));
      problems.push(`${missing.join(', ')}: required for ${what} (${given.join(', ')} ${given.length === 1 ? 'is' : 'are'} set)`);
    }
  };
  const isSet = (key: keyof typeof envSchema.shape) => {
    const value = e[key];
    return Array.isArray(value) ? value.length > 0 : value !== undefined;
  };
  allOrNone('the Incode score fetch', ['INCODE_API_URL', 'INCODE_API_KEY', 'INCODE_EXECUTIVE_EMAIL', 'INCODE_EXECUTIVE_PASSWORD'], isSet);
  // The reconciliation signs with the integration's shared secret: set already for the webhooks.
  allOrNone('the Veriff decision reconciliation', ['VERIFF_API_URL', 'VERIFF_API_KEY', 'VERIFF_SHARED_SECRET'], (key) =>
    key === 'VERIFF_SHARED_SECRET' ? (isSet('VERIFF_API_URL') || isSet('VERIFF_API_KEY') ? isSet(key) : false) : isSet(key),
  );
  if (problems.length > 0) throw new ConfigError(problems);

  return {
    env: e.NODE_ENV,
    host: e.HOST,
    port: e.PORT,
    adminHost: e.ADMIN_HOST,
    adminPort: e.ADMIN_PORT,
    adminToken: e.ADMIN_TOKEN,
    privacy: { payloadKeys, payloadRetentionMs: e.PAYLOAD_RETENTION, quarantineRetentionMs: e.QUARANTINE_RETENTION! },
    authProxy:
      e.AUTH_PROXY_HEADER !== undefined
        ? { header: e.AUTH_PROXY_HEADER.toLowerCase(), cidrs: e.AUTH_PROXY_CIDRS, roles: proxyRoles }
        : undefined,
    dataDir: path.resolve(e.DATA_DIR),
    databaseUrl: e.DATABASE_URL,
    bodyLimit: e.BODY_LIMIT,
    logLevel: e.LOG_LEVEL,
    trustProxy: e.TRUST_PROXY,
    timeouts: {
      headersMs: e.HEADERS_TIMEOUT_MS,
      requestMs: e.REQUEST_TIMEOUT_MS,
      keepAliveMs: e.KEEP_ALIVE_TIMEOUT_MS,
      shutdownMs: e.SHUTDOWN_TIMEOUT_MS,
    },
    maxConnections: e.MAX_CONNECTIONS,
    maxBodiesInFlight: e.MAX_BODIES_IN_FLIGHT,
    bodyPace: { timeoutMs: e.BODY_TIMEOUT_MS, minRate: e.BODY_MIN_RATE },
    store: { batchMax: e.STORE_BATCH_MAX, migrateOnStart: e.MIGRATE_ON_START === 'true' },
    postgres: { poolMax: e.PG_POOL_MAX, queryTimeoutMs: e.PG_QUERY_TIMEOUT_MS, connectTimeoutMs: e.PG_CONNECT_TIMEOUT_MS },
    forward: {
      http: e.FORWARD_URL !== undefined && e.FORWARD_SECRET !== undefined ? { url: e.FORWARD_URL, secret: e.FORWARD_SECRET } : undefined,
      nats: e.NATS_URL !== undefined ? { url: e.NATS_URL, stream: e.NATS_STREAM, subjectPrefix: e.NATS_SUBJECT_PREFIX } : undefined,
      timeoutMs: e.FORWARD_TIMEOUT_MS,
      backoffMaxMs: e.FORWARD_BACKOFF_MAX_MS,
      maxAttempts: e.FORWARD_MAX_ATTEMPTS,
      maxAgeMs: e.FORWARD_MAX_AGE,
    },
    fetch: {
      incode:
        e.INCODE_API_URL !== undefined &&
        e.INCODE_API_KEY !== undefined &&
        e.INCODE_EXECUTIVE_EMAIL !== undefined &&
        e.INCODE_EXECUTIVE_PASSWORD !== undefined
          ? { apiUrl: e.INCODE_API_URL, apiKey: e.INCODE_API_KEY, email: e.INCODE_EXECUTIVE_EMAIL, password: e.INCODE_EXECUTIVE_PASSWORD }
          : undefined,
      veriff:
        e.VERIFF_API_URL !== undefined && e.VERIFF_API_KEY !== undefined && e.VERIFF_SHARED_SECRET.length > 0
          ? {
              apiUrl: e.VERIFF_API_URL,
              apiKey: e.VERIFF_API_KEY,
              secret: e.VERIFF_SHARED_SECRET[0]!,
              reconcileAfterMs: e.VERIFF_RECONCILE_AFTER_SECONDS * 1000,
            }
          : undefined,
    },
    veriff: { secrets: e.VERIFF_SHARED_SECRET, allowedIps: e.VERIFF_ALLOWED_IPS },
    incode: {
      headerName,
      headerSecrets: e.INCODE_HEADER_SECRET,
      oauth:
        e.INCODE_OAUTH_CLIENT_ID !== undefined
          ? {
              clientId: e.INCODE_OAUTH_CLIENT_ID,
              clientSecrets: e.INCODE_OAUTH_CLIENT_SECRET,
              tokenTtlSeconds: e.INCODE_OAUTH_TOKEN_TTL,
              audience: e.INCODE_OAUTH_AUDIENCE,
            }
          : undefined,
      hmacSecrets: e.INCODE_HMAC_SECRET,
      allowedIps: e.INCODE_ALLOWED_IPS,
    },
  };
}
