import { configFromEnvOrExit } from './config-from-env.js';
import { createLogger } from './logger.js';
import { startService } from './start-service.js';

const config = configFromEnvOrExit('ine-webhooks');

const logger = await createLogger({ level: config.logLevel, pretty: config.env === 'development' });
let service;
try {
  service = await startService(config, logger);
} catch (error) {
  logger.fatal({ err: error }, 'failed to start');
  process.exit(1);
}
const backend = config.databaseUrl ? 'postgres' : 'sqlite';
logger.info(
  { url: service.publicUrl, adminUrl: service.adminUrl, store: backend, dataDir: backend === 'sqlite' ? config.dataDir : undefined },
  'listening',
);

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
