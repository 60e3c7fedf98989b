import type { Clock } from '../clock.js';
import type { Config } from '../config.js';
import type { EventStore } from './event-store.js';
import { openSqliteStore } from './sqlite-store.js';

/** The one place that knows every backend: PostgreSQL when DATABASE_URL is set, else SQLite in DATA_DIR. */
export async function openStore(config: Config, clock: Clock): Promise<EventStore> {
  if (config.databaseUrl !== undefined) {
    throw new Error('DATABASE_URL: the PostgreSQL backend is not available in this build yet; unset it to use the embedded SQLite store');
  }
  return openSqliteStore({ dataDir: config.dataDir, batchMax: config.store.batchMax, clock });
}
