import { z } from 'zod';
import {
  byteSize,
  cidrList,
  duration,
  httpUrl,
  integer,
  list,
  MIN_OWN_SECRET,
  optionalDuration,
  optionalText,
  trustProxy,
  unsetIfEmpty,
  webhookSecret,
} from './parsers.js';

/** Every setting, parsed on its own (checks across settings: cross-field-rules.ts). */
export const envSchema = z.object({
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

export type EnvSettings = z.infer<typeof envSchema>;
export type SettingName = keyof typeof envSchema.shape;

/** Every environment variable the service reads (kept in step with .env.example and the README by a test). */
export const SETTING_NAMES: readonly string[] = Object.keys(envSchema.shape);
