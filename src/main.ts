import dotenv from 'dotenv';
import { loadConfig, type Config } from './config.js';
import { ConfigError } from './errors.js';
import { createLogger } from './logger.js';
import { startService } from './start-service.js';

dotenv.config({ quiet: true });

let config: Config;
try {
  config = loadConfig(process.env);
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  process.stderr.write(`ine-webhooks: ${error.message}\nSee .env.example for every setting.\n`);
  process.exit(1);
}

const logger = await createLogger({ level: config.logLevel, pretty: config.env === 'development' });
let service;
try {
  service = await startService(config, logger);
} catch (error) {
  logger.fatal({ err: error }, 'failed to start');
  process.exit(1);
}
const backend = config.databaseUrl ? 'postgres' : 'sqlite';
logger.info({ url: service.publicUrl, adminUrl: service.adminUrl, store: backend, dataDir: backend === 'sqlite' ? config.dataDir : undefined }, 'listening');

let signalled = false;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    if (signalled) return;
    signalled = true;
    logger.info({ signal }, 'shutting down: no new connections, finishing in-flight requests');
    service.stop().then(
      () => {
        logger.info('stopped');
        process.exit(0);
      },
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  });
}
