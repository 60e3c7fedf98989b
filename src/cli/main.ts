#!/usr/bin/env node
import pino from 'pino';
import { configFromEnvOrExit } from '../config-from-env.js';
import { createLogger } from '../logger.js';
import { auditCommand } from './audit.js';
import { keysCommand } from './keys.js';
import { safeOutput } from './terminal-safe.js';
import { rekeyCommand } from './rekey.js';
import { subjectCommand } from './subject-commands.js';
import { CliError, type CliContext } from './cli-context.js';
import { migrateCommand } from './migrate.js';
import { COMMAND_HELP, USAGE } from './help.js';
import { quarantineCommand } from './quarantine.js';
import { sendCommand } from './send.js';
import { showCommand } from './show.js';
import { redriveCommand, replayCommand, sinksCommand } from './sinks.js';
import { tailCommand } from './tail.js';
import { VERSION } from '../version.js';

const [command, ...rest] = process.argv.slice(2);
const stop = new AbortController();
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => stop.abort());

async function run(): Promise<number> {
  if (command === 'help' || command === '--help' || command === '-h') {
    const topic = command === 'help' ? rest[0] : undefined;
    process.stdout.write(`${(topic !== undefined && COMMAND_HELP[topic]) || USAGE}\n`);
    return 0;
  }
  if (command === '--version' || command === '-v' || command === 'version') {
    process.stdout.write(`ine-webhooks ${VERSION}\n`);
    return 0;
  }
  if (command !== undefined && COMMAND_HELP[command] && (rest.includes('--help') || rest.includes('-h'))) {
    process.stdout.write(`${COMMAND_HELP[command]}\n`);
    return 0;
  }
  const commands: Record<string, (ctx: CliContext) => Promise<number>> = {
    tail: (ctx) => tailCommand(ctx, rest, stop.signal),
    show: (ctx) => showCommand(ctx, rest),
    send: (ctx) => sendCommand(ctx, rest),
    quarantine: (ctx) => quarantineCommand(ctx, rest),
    sinks: (ctx) => sinksCommand(ctx, rest),
    redrive: (ctx) => redriveCommand(ctx, rest),
    replay: (ctx) => replayCommand(ctx, rest),
    keys: (ctx) => keysCommand(ctx, rest),
    audit: (ctx) => auditCommand(ctx, rest),
    block: (ctx) => subjectCommand('block', ctx, rest),
    unblock: (ctx) => subjectCommand('unblock', ctx, rest),
    erase: (ctx) => subjectCommand('erase', ctx, rest),
    export: (ctx) => subjectCommand('export', ctx, rest),
    rekey: (ctx) => rekeyCommand(ctx, rest),
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
  const config = configFromEnvOrExit(`ine-webhooks ${command}`);
  const ctx: CliContext = {
    config,
    logger: await createLogger({ level: config.logLevel, destination: pino.destination({ dest: 2, sync: true }) }),
    // The last guard: no control character of stored data reaches the terminal raw (JSON stays JSON).
    out: (line) => process.stdout.write(`${safeOutput(line)}\n`),
    err: (line) => process.stderr.write(`${safeOutput(line)}\n`),
    isTty: process.stdout.isTTY === true,
  };
  return handler(ctx);
}

/** Node's argument parser's errors, said the way the rest of the command speaks. */
function parseArgsMessage(error: { code: string; message: string }): string {
  const option = /option '([^']+)'/i.exec(error.message)?.[1];
  if (error.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && option) return `unknown option ${option}`;
  if (error.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && option) return `option ${option.split(/[ ,]/)[0]} needs a value`;
  if (error.code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') return `unexpected argument: ${/'([^']+)'/.exec(error.message)?.[1] ?? ''}`;
  return error.message.split('. ')[0]!;
}

run().then(
  (code) => process.exit(code),
  (error: unknown) => {
    const e = error as { code?: unknown; message: string };
    const parseError = typeof e.code === 'string' && e.code.startsWith('ERR_PARSE_ARGS');
    // A usage error prints the command's own help after the message.
    const usage = error instanceof CliError ? error.code === 2 : parseError;
    const message = parseError ? parseArgsMessage(e as { code: string; message: string }) : e.message;
    const help = usage && !(error instanceof CliError && message.includes('usage:')) ? `\n${COMMAND_HELP[command!] ?? USAGE}\n` : '';
    process.stderr.write(`ine-webhooks ${command}: ${message}\n${help}`);
    process.exit(error instanceof CliError ? error.code : usage ? 2 : 1);
  },
);
