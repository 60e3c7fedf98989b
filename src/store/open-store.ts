import type { Clock } from '../clock.js';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import type { EventStore } from './event-store.js';
import { openPostgresStore } from './postgres-store.js';
import { openSqliteReader, openSqliteStore } from './sqlite-store.js';
import { MissingPayloadKeyError } from './payload-codec.js';

export interface OpenStoreOptions {
  /** Overrides MIGRATE_ON_START (the migrate command always migrates). */
  migrate?: boolean;
  /** For reading only (the CLI): SQLite opens one read-only connection, PostgreSQL never migrates. */
  readOnly?: boolean;
  /** With readOnly: the outbox's and the access store's writes are allowed (redrive, keys, audited reads). */
  sideWrites?: boolean;
  onCommit?: Parameters<typeof openSqliteStore>[0]['onCommit'];
  /** Where each newly stored event is queued (the configured sinks and fetchers). */
  routing?: Parameters<typeof openSqliteStore>[0]['routing'];
}

/** Which store a configuration opens, for the log: the backend, and its folder or host and database (never a password). */
export function describeStore(
  config: Config,
): { store: 'sqlite'; dataDir: string } | { store: 'postgres'; host: string; database: string } {
  if (config.databaseUrl === undefined) return { store: 'sqlite', dataDir: config.dataDir };
  const url = new URL(config.databaseUrl);
  const host = url.hostname === '' ? 'localhost (socket)' : url.port ? `${url.hostname}:${url.port}` : url.hostname;
  return { store: 'postgres', host, database: decodeURIComponent(url.pathname.slice(1)) || 'postgres' };
}

/** The one place that knows every backend: PostgreSQL when DATABASE_URL is set, else SQLite in DATA_DIR. */
export async function openStore(config: Config, clock: Clock, logger?: Logger, options: OpenStoreOptions = {}): Promise<EventStore> {
  if (config.databaseUrl !== undefined) {
    return openPostgresStore({
      url: config.databaseUrl,
      ...config.postgres,
      batchMax: config.store.batchMax,
      clock,
      migrate: options.readOnly ? false : (options.migrate ?? config.store.migrateOnStart),
      logger,
      onCommit: options.onCommit,
      routing: options.routing,
      payloadKeys: config.privacy.payloadKeys,
    }).then((store) => (options.readOnly ? store : refuseMissingKeys(store, config)));
  }
  if (options.readOnly)
    return openSqliteReader(config.dataDir, { sideWrites: options.sideWrites, payloadKeys: config.privacy.payloadKeys });
  // SQLite migrates under its own write lock at open, always: the file is this service's alone.
  return openSqliteStore({
    dataDir: config.dataDir,
    batchMax: config.store.batchMax,
    clock,
    onCommit: options.onCommit,
    routing: options.routing,
    onWriterRestart: (reason) => logger?.error({ store: 'sqlite', reason }, 'SQLite writer thread restarted'),
    onWarning: (message) => logger?.warn({ store: 'sqlite' }, message),
    payloadKeys: config.privacy.payloadKeys,
  }).then((store) => refuseMissingKeys(store, config));
}

/** A store whose bodies are sealed with a key that is not configured is closed again: the start stops, naming the key. */
async function refuseMissingKeys(store: EventStore, config: Config): Promise<EventStore> {
  const configured = new Set(config.privacy.payloadKeys.map((k) => k.id));
  const missing = (await store.privacy.keysInUse()).find((id) => !configured.has(id));
  if (missing === undefined) return store;
  await store.close();
  throw new MissingPayloadKeyError(missing);
}
