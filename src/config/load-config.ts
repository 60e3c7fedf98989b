import path from 'node:path';
import type { z } from 'zod';
import { ConfigError } from '../errors.js';
import type { Config } from './config-types.js';
import { crossFieldRules } from './cross-field-rules.js';
import { envSchema, type EnvSettings, type SettingName } from './env-schema.js';

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
  ) as EnvSettings;
  const valid = (...keys: SettingName[]) => keys.every((k) => !failed.has(k));

  const rules = crossFieldRules(e, valid);
  problems.push(...rules.problems);
  const { headerName, payloadKeys, proxyRoles } = rules;
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
