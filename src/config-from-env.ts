import dotenv from 'dotenv';
import { loadConfig, type Config } from './config.js';
import { ConfigError } from './errors.js';

/** For entry points: .env + environment → Config, or the list of problems on stderr and exit 1. */
export function configFromEnvOrExit(program: string): Config {
  // quiet: dotenv's banner would land on stdout among the JSON log lines.
  dotenv.config({ quiet: true });
  try {
    return loadConfig(process.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${program}: ${error.message}\nSee .env.example for every setting.\n`);
    process.exit(1);
  }
}
