import type Database from 'better-sqlite3';
import { sqliteParams } from './outbox-sql.js';

/** A statement written for both backends (`$n` parameters), prepared once on SQLite and called with positional values. */
export function sqliteStatement(db: Database.Database, sql: string) {
  const statement = db.prepare(sql);
  return {
    all: (...values: unknown[]) => statement.all(sqliteParams(values)),
    /** How many rows it changed. */
    run: (...values: unknown[]) => statement.run(sqliteParams(values)).changes,
  };
}
