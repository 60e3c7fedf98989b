import type { IRouter, Request, Response } from 'express';
import type { Provider } from '../providers/provider.js';
import type { EventStore } from '../store/event-store.js';

/** /healthz: the process serves. /readyz: the store accepts writes (routes are listed, not required). */
export function mountHealth(router: IRouter, store: EventStore, providers: readonly Provider[]): void {
  const routes = Object.fromEntries(
    providers.map((p) => [p.name, p.access.configured ? { configured: true } : { configured: false, missing: p.access.missing }]),
  );

  router.get('/healthz', (_req: Request, res: Response) => {
    res.status(200).json({ status: 'ok' });
  });

  router.get('/readyz', async (_req: Request, res: Response) => {
    const health = await store.check();
    res.setHeader('cache-control', 'no-store');
    res.status(health.ok ? 200 : 503).json({
      status: health.ok ? 'ok' : 'unavailable',
      checks: { store: health.ok ? 'ok' : health.reason },
      routes,
    });
  });
}
