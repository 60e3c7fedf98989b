#!/usr/bin/env node
import { configFromEnvOrExit } from '../config-from-env.js';
import { CliError, type CliContext } from './cli-context.js';
import { migrateCommand } from './migrate.js';
import { QUARANTINE_USAGE, quarantineCommand } from './quarantine.js';
import { SEND_USAGE, sendCommand } from './send.js';
import { SHOW_USAGE, showCommand } from './show.js';
import { TAIL_USAGE, tailCommand } from './tail.js';

const USAGE = `usage: ine-webhooks <command> [options]

commands:
  ${TAIL_USAGE}
      the event log, newest last; a table on a terminal, JSON lines when piped
  ${SHOW_USAGE}
      one session's timeline, or every session of a customer reference
  ${SEND_USAGE}
      a correctly authenticated test delivery to a running installation (default http://127.0.0.1:$PORT)
  ${QUARANTINE_USAGE}
      authentic deliveries kept because they were not valid JSON or failed their schema
  migrate
      apply pending schema migrations to the configured store

Settings come from the environment and .env, as for the service (see .env.example).`;

const [command, ...rest] = process.argv.slice(2);
const stop = new AbortController();
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => stop.abort());

async function run(): Promise<number> {
  if (command === 'help' || command === '--help' || command === '-h') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const commands: Record<string, (ctx: CliContext) => Promise<number>> = {
    tail: (ctx) => tailCommand(ctx, rest, stop.signal),
    show: (ctx) => showCommand(ctx, rest),
    send: (ctx) => sendCommand(ctx, rest),
    quarantine: (ctx) => quarantineCommand(ctx, rest),
    migrate: async (ctx) => {
      if (rest.length > 0) throw new CliError(`migrate takes no arguments: ${rest.join(' ')}`, 2);
      return migrateCommand(ctx.config, ctx.out);
    },
  };
  const handler = command === undefined ? undefined : commands[command];
  if (!handler) {
    process.stderr.write(`${command === undefined ? '' : `ine-webhooks: unknown command "${command}"\n\n`}${USAGE}\n`);
    return 2;
  }
  const ctx: CliContext = {
    config: configFromEnvOrExit(`ine-webhooks ${command}`),
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
    isTty: process.stdout.isTTY === true,
  };
  return handler(ctx);
}

run().then(
  (code) => process.exit(code),
  (error: unknown) => {
    // parseArgs reports unknown options and missing values with a code; those are usage errors.
    const usage =
      error instanceof CliError
        ? error.code === 2
        : typeof (error as { code?: unknown }).code === 'string' && String((error as { code: string }).code).startsWith('ERR_PARSE_ARGS');
    process.stderr.write(
      `ine-webhooks ${command}: ${(error as Error).message}\n${usage && !(error instanceof CliError) ? `\n${USAGE}\n` : ''}`,
    );
    process.exit(error instanceof CliError ? error.code : usage ? 2 : 1);
  },
);
