import { existsSync } from 'node:fs';
import path from 'node:path';
import { systemClock } from '../clock.js';
import type { Config } from '../config.js';
import type { EventStore } from '../store/event-store.js';
import { openStore } from '../store/open-store.js';
import { SQLITE_FILE } from '../store/sqlite-store.js';

/** What a command gets: the service's config, where to write, and how to reach the store. */
export interface CliContext {
  config: Config;
  out(line: string): void;
  err(line: string): void;
  /** Whether stdout is a terminal (tables) or a pipe (JSON lines). */
  isTty: boolean;
}

/** A command's failure: its message is printed and the process exits with `code`. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly code = 1,
  ) {
    super(message);
  }
}

/**
 * Opens the configured store for reading only: no empty file created, no migration, no writer
 * thread. `outboxWrites`: the outbox may be written too (redrive).
 */
export async function openStoreForReading(config: Config, options: { outboxWrites?: boolean } = {}): Promise<EventStore> {
  if (config.databaseUrl === undefined && !existsSync(path.join(config.dataDir, SQLITE_FILE))) {
    throw new CliError(
      `no event log at ${path.join(config.dataDir, SQLITE_FILE)}: has the service run with this DATA_DIR (or is DATABASE_URL missing)?`,
    );
  }
  return openStore(config, systemClock, undefined, { readOnly: true, outboxWrites: options.outboxWrites });
}
