import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** The PostgreSQL the tests use; this machine kind and CI run one at 127.0.0.1:5432 (trust auth). */
export const PG_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** The URL with its search_path set to one schema, as an operator could also write it. */
export function urlWithSchema(schema: string, base = PG_URL): string {
  const url = new URL(base);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return url.href;
}

async function reachable(): Promise<string | null> {
  const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return null;
  } catch (error) {
    return (error as Error).message;
  } finally {
    await client.end().catch(() => undefined);
  }
}

const problem = await reachable();
if (problem !== null) {
  const line = `PostgreSQL tests SKIPPED: no server reachable at ${PG_URL.replace(/\/\/[^@]*@/, '//…@')} (${problem})`;
  // CI runs on a machine with PostgreSQL: there a missing server is a failure, not a skip.
  if (process.env.REQUIRE_POSTGRES === '1') throw new Error(`${line}; REQUIRE_POSTGRES=1`);
  console.warn(line);
}
/** False where no server is reachable: the PostgreSQL suites skip, saying so once per file. */
export const postgresAvailable = problem === null;

/** A fresh schema of its own for one test, so runs and parallel files never interfere. */
export async function createSchema(): Promise<{ schema: string; url: string; drop(): Promise<void> }> {
  const schema = `t_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: PG_URL });
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${schema}`);
  await admin.end();
  return {
    schema,
    url: urlWithSchema(schema),
    async drop() {
      const c = new pg.Client({ connectionString: PG_URL });
      await c.connect();
      await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await c.end();
    },
  };
}
