import { systemClock } from '../clock.js';
import type { Config } from '../config.js';
import { LATEST_VERSION } from '../store/migrations.js';
import { createPool, migratePostgres } from '../store/postgres-store.js';
import { openSqliteStore } from '../store/sqlite-store.js';

/** `migrate`: applies pending schema migrations and says what it did; for deploy steps. */
export async function migrateCommand(config: Config, out: (line: string) => void): Promise<number> {
  if (config.databaseUrl === undefined) {
    // SQLite migrates at open, under its write lock.
    await (await openSqliteStore({ dataDir: config.dataDir, batchMax: 1, clock: systemClock })).close();
    out(`sqlite ${config.dataDir}: schema at version ${LATEST_VERSION}`);
    return 0;
  }
  const pool = createPool({ url: config.databaseUrl, ...config.postgres });
  try {
    const { applied, version } = await migratePostgres(pool, systemClock);
    out(
      applied.length > 0
        ? `postgres: applied ${applied.join(', ')}; schema at version ${version}`
        : `postgres: schema up to date at version ${version}`,
    );
    return 0;
  } finally {
    await pool.end();
  }
}
