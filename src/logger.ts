import pino, { type DestinationStream, type Logger } from 'pino';
import type { LogLevel } from './config.js';

export type { Logger };

/**
 * Belt and braces: the code never logs these, but if a header bag or credential object ever
 * reaches a log call, it comes out censored: never a secret, signature or token. Only fixed
 * paths: wildcard paths cost pino a walk of every logged object.
 */
const REDACT = [
  'authorization',
  'secret',
  'token',
  'signature',
  'password',
  'rawBody',
  'payload',
  'headers',
  'req.headers',
  'err.config',
  'err.headers',
];

export interface LoggerOptions {
  level: LogLevel;
  /** Human-readable output (development); needs the dev dependency pino-pretty. */
  pretty?: boolean;
  /** Where lines go; stdout when absent. Tests pass a capturing stream. */
  destination?: DestinationStream;
}

/** The one logger of a process: JSON lines on stdout, secrets redacted. */
export async function createLogger(options: LoggerOptions): Promise<Logger> {
  const base = {
    level: options.level,
    base: { service: 'ine-webhooks' },
    redact: { paths: REDACT, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label: string) => ({ level: label }) },
  };
  if (options.destination) return pino(base, options.destination);
  if (options.pretty) {
    const { default: pretty } = await import('pino-pretty');
    return pino(
      base,
      pretty({ colorize: true, sync: true, singleLine: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname,service' }),
    );
  }
  return pino(base);
}
