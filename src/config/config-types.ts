import type { ProxyRoleRule } from '../access/proxy-roles.js';
import type { PayloadKey } from '../privacy/payload-keys.js';

/** What the service runs with: every setting parsed and checked (load-config.ts), nothing read from env later. */
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
