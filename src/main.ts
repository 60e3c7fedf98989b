import { configFromEnvOrExit } from './config-from-env.js';
import { createLogger } from './logger.js';
import { startService } from './start-service.js';
import { describeStore } from './store/open-store.js';
import { MissingPayloadKeyError } from './store/payload-codec.js';
import { VERSION } from './version.js';

const config = configFromEnvOrExit('ine-webhooks');

const logger = await createLogger({ level: config.logLevel, pretty: config.env === 'development' });
let service;
try {
  service = await startService(config, logger);
} catch (error) {
  const e = error as NodeJS.ErrnoException & { setting?: string; port?: number; address?: string };
  if (e.code === 'EADDRINUSE' && e.setting) {
    const message = `${e.setting}=${e.port}: address already in use on ${e.address}; set ${e.setting} to a free port`;
    logger.fatal({ setting: e.setting }, `failed to start: ${message}`);
    process.stderr.write(`ine-webhooks: ${message}\n`);
  } else if (error instanceof MissingPayloadKeyError) {
    logger.fatal({ keyId: error.keyId }, `failed to start: ${error.message}`);
    process.stderr.write(`ine-webhooks: ${error.message}\n`);
  } else logger.fatal({ err: error }, 'failed to start');
  process.exit(1);
}
logger.info({ version: VERSION, url: service.publicUrl, adminUrl: service.adminUrl, ...describeStore(config) }, 'listening');

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
