import type { IRouter, Request, Response } from 'express';
import type { Logger } from '../logger.js';
import type { Provider } from '../providers/provider.js';
import type { EventStore } from '../store/event-store.js';

/**
 * /healthz: the process serves. /readyz: the store accepts writes (routes are listed, not
 * required); the store shares its probe between callers (store-lifecycle.ts). The public body
 * names no setting, host or database error: the reason goes to the log, once each time
 * readiness changes.
 */
export function mountHealth(router: IRouter, store: EventStore, providers: readonly Provider[], logger: Logger): void {
  const routes = Object.fromEntries(providers.map((p) => [p.name, { configured: p.access.configured }]));
  let wasOk = true;

  router.get('/healthz', (_req: Request, res: Response) => {
    res.status(200).json({ status: 'ok' });
  });

  router.get('/readyz', async (_req: Request, res: Response) => {
    const health = await store.check();
    if (health.ok !== wasOk) {
      wasOk = health.ok;
      if (health.ok) logger.info({ readiness: 'ok' }, 'ready: the store accepts writes again');
      else logger.warn({ readiness: 'unavailable', reason: health.reason }, `not ready: ${health.reason}`);
    }
    res.setHeader('cache-control', 'no-store');
    res
      .status(health.ok ? 200 : 503)
      .json({ status: health.ok ? 'ok' : 'unavailable', checks: { store: health.ok ? 'ok' : 'unavailable' }, routes });
  });
}
