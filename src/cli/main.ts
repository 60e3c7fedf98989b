#!/usr/bin/env node
import { configFromEnvOrExit } from '../config-from-env.js';
import { migrateCommand } from './migrate.js';

const USAGE = `usage: ine-webhooks <command>

commands:
  migrate     apply pending schema migrations to the configured store (DATABASE_URL, or SQLite in DATA_DIR)

Settings come from the environment and .env, as for the service (see .env.example).`;

const [command, ...rest] = process.argv.slice(2);
const out = (line: string) => process.stdout.write(`${line}\n`);

async function run(): Promise<number> {
  if (command === undefined || command === 'help' || command === '--help' || command === '-h') {
    if (command === undefined) {
      process.stderr.write(`${USAGE}\n`);
      return 2;
    }
    out(USAGE);
    return 0;
  }
  if (command === 'migrate') {
    if (rest.length > 0) {
      process.stderr.write(`ine-webhooks migrate: unexpected arguments: ${rest.join(' ')}\n\n${USAGE}\n`);
      return 2;
    }
    return migrateCommand(configFromEnvOrExit('ine-webhooks migrate'), out);
  }
  process.stderr.write(`ine-webhooks: unknown command "${command}"\n\n${USAGE}\n`);
  return 2;
}

run().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`ine-webhooks ${command}: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
