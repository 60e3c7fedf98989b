import { chmodSync, closeSync, existsSync, mkdirSync, openSync, statSync } from 'node:fs';
import path from 'node:path';

/** The event log's file in DATA_DIR (with its -wal and -shm beside it). */
export const SQLITE_FILE = 'events.sqlite3';

const mode = (file: string) => statSync(file).mode & 0o777;
const octal = (m: number) => `0${m.toString(8)}`;

/**
 * Makes the data folder (0700) and the database file (0600) this process's alone, whatever the
 * umask, when it creates them (SQLite gives the -wal and -shm files the database file's mode).
 * An existing folder or file that others may read is left as the operator set it, and named in
 * the warnings returned.
 */
export function prepareDataDir(dataDir: string): string[] {
  const warnings: string[] = [];
  if (!existsSync(dataDir)) {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    chmodSync(dataDir, 0o700);
  } else if (mode(dataDir) & 0o077) {
    warnings.push(`DATA_DIR ${dataDir} has mode ${octal(mode(dataDir))}: other local users can list it; chmod 700 it`);
  }
  for (const name of [SQLITE_FILE, `${SQLITE_FILE}-wal`, `${SQLITE_FILE}-shm`]) {
    const file = path.join(dataDir, name);
    if (!existsSync(file)) {
      if (name !== SQLITE_FILE) continue;
      closeSync(openSync(file, 'a', 0o600));
      chmodSync(file, 0o600);
    } else if (mode(file) & 0o077) {
      warnings.push(`${file} has mode ${octal(mode(file))}: other local users can read every payload in it; chmod 600 it`);
    }
  }
  return warnings;
}
