import { loadConfig } from '../../src/config.js';
import { openPostgresStore } from '../../src/store/postgres-store.js';
import { FULL_ENV, harness, manualClock, type Harness } from './harness.js';
import { createSchema, postgresAvailable } from './postgres.js';

export interface HarnessBackend {
  name: 'SQLite' | 'PostgreSQL';
  /** True where the backend cannot run here (no PostgreSQL reachable): the suite says SKIPPED. */
  skip: boolean;
  /** A fresh harness on a store of its own (a temp folder, or a schema dropped by `drop`). */
  open(env?: Record<string, string>): Promise<{ h: Harness; drop(): Promise<void> }>;
}

/** The harness on each backend, for suites that run once per backend through the same app. */
export const HARNESS_BACKENDS: HarnessBackend[] = [
  { name: 'SQLite', skip: false, open: async (env = FULL_ENV) => ({ h: await harness(env), drop: async () => {} }) },
  {
    name: 'PostgreSQL',
    skip: !postgresAvailable,
    async open(env = FULL_ENV) {
      const schema = await createSchema();
      const store = await openPostgresStore({
        url: schema.url,
        poolMax: 4,
        queryTimeoutMs: 5000,
        connectTimeoutMs: 2000,
        batchMax: 64,
        clock: manualClock(),
        migrate: true,
        payloadKeys: loadConfig(env).privacy.payloadKeys,
      });
      return { h: await harness(env, { store }), drop: schema.drop };
    },
  },
];
