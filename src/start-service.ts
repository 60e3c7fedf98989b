import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildAdminApp } from './admin/admin-app.js';
import { buildApp } from './app.js';
import { systemClock, type TimerClock } from './clock.js';
import type { Config } from './config.js';
import type { Logger } from './logger.js';
import { createMetrics } from './metrics.js';
import { createActivityCounts } from './activity/activity-counts.js';
import type { EventStore } from './store/event-store.js';
import { openStore } from './store/open-store.js';
import { configuredQueues } from './configured-queues.js';
import { startRelay } from './outbox/relay.js';
import { sinksReport } from './outbox/sinks-report.js';
import { boundConnections } from './http/connection-table.js';
import { createAuditTrail } from './access/audit-trail.js';
import { retentionSweep, SWEEP_EVERY_MS } from './privacy/retention-sweep.js';
import { subjectActions } from './privacy/subjects.js';

export interface RunningService {
  store: EventStore;
  publicUrl: string;
  adminUrl: string;
  /** Stops accepting, lets in-flight requests finish (up to SHUTDOWN_TIMEOUT_MS), closes the store. */
  stop(): Promise<void>;
}

/** Listens; a failure (a port in use) carries the name of the setting that chose the port. */
function listen(server: Server, port: number, host: string, setting: 'PORT' | 'ADMIN_PORT'): Promise<string> {
  return new Promise((resolve, reject) => {
    const fail = (error: Error) => reject(Object.assign(error, { setting }));
    server.once('error', fail);
    server.listen(port, host, () => {
      server.off('error', fail);
      const address = server.address() as AddressInfo;
      const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
      resolve(`http://${shownHost === '0.0.0.0' || shownHost === '[::]' ? '127.0.0.1' : shownHost}:${address.port}`);
    });
  });
}

function close(server: Server, graceMs: number): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) return resolve();
    // Keep-alive sockets go idle as their in-flight requests finish and would hold close() open
    // until keepAliveTimeout: close them as they go idle. Stalled ones are cut after the grace period.
    const idle = setInterval(() => server.closeIdleConnections(), 50);
    const timer = setTimeout(() => server.closeAllConnections(), graceMs);
    server.close(() => {
      clearTimeout(timer);
      clearInterval(idle);
      resolve();
    });
    server.closeIdleConnections();
  });
}

/** config → store → apps → listeners; used by main.ts and the demo. */
export async function startService(config: Config, logger: Logger, clock: TimerClock = systemClock): Promise<RunningService> {
  const metrics = createMetrics(config.databaseUrl ? 'postgres' : 'sqlite');
  const queues = configuredQueues(config, clock);
  let poke = () => {};
  const store = await openStore(config, clock, logger, {
    // A commit may have queued events: the relay looks at once instead of at its next poll.
    onCommit: (stats) => {
      metrics.observeCommit(stats);
      poke();
    },
    routing: queues.routing(),
  });
  const targets = queues.targets(store);
  metrics.watchSinks(() => sinksReport(store.outbox, targets, clock.now()));
  metrics.watchStore(() => store.check());
  const activity = createActivityCounts(store.access, clock, logger);
  const app = buildApp({ config, store, logger, clock, metrics, activity, installationId: await store.installationId() });
  const admin = buildAdminApp({ config, store, logger, metrics, activity, queues, sinks: targets, clock });

  // Slow or stalled clients are cut off. Node checks these timeouts every
  // connectionsCheckingInterval (30 s by default), so check at least once a second.
  const server = createServer(
    {
      headersTimeout: config.timeouts.headersMs,
      requestTimeout: config.timeouts.requestMs,
      keepAliveTimeout: config.timeouts.keepAliveMs,
      connectionsCheckingInterval: Math.min(1000, config.timeouts.headersMs),
    },
    app,
  );
  // At MAX_CONNECTIONS the oldest idle connection makes room for a new one; only when all are
  // busy is the newcomer closed on arrival. Memory held by bodies in flight stays bounded by the body slots.
  boundConnections(server, config.maxConnections, { evicted: metrics.connectionEvicted, dropped: metrics.connectionDropped });
  const adminServer = createServer(admin);

  let publicUrl: string;
  let adminUrl: string;
  try {
    publicUrl = await listen(server, config.port, config.host, 'PORT');
    adminUrl = await listen(adminServer, config.adminPort, config.adminHost, 'ADMIN_PORT');
  } catch (error) {
    await close(server, 0);
    await store.close();
    throw error;
  }
  const sweeper = retentionSweep({
    store,
    config,
    clock,
    logger,
    subjects: subjectActions({ store, audit: createAuditTrail(store.access, logger, clock), clock, routing: queues.routing() }),
  });
  const sweep = () =>
    sweeper.runOnce().catch((error: unknown) => logger.error({ err: { message: (error as Error).message } }, 'retention sweep failed'));
  void sweep();
  const sweepTimer = setInterval(sweep, SWEEP_EVERY_MS);
  sweepTimer.unref();
  const relay = startRelay({
    outbox: store.outbox,
    targets,
    clock,
    logger,
    ...config.forward,
    onDelivered: metrics.forwardDelivered,
    onFailed: metrics.forwardFailed,
  });
  poke = relay.poke;
  activity.start();

  let stopping: Promise<void> | undefined;
  return {
    store,
    publicUrl,
    adminUrl,
    stop() {
      stopping ??= (async () => {
        clearInterval(sweepTimer);
        await Promise.all([close(server, config.timeouts.shutdownMs), close(adminServer, 0)]);
        await relay.stop();
        await activity.stop();
        await store.close();
      })();
      return stopping;
    },
  };
}
