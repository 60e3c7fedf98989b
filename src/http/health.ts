import type { IRouter, Request, Response } from 'express';
import type { Clock } from '../clock.js';
import type { Logger } from '../logger.js';
import type { Provider } from '../providers/provider.js';
import type { EventStore, StoreHealth } from '../store/event-store.js';

/** However many callers ask, the store is probed at most once per this interval. */
export const PROBE_INTERVAL_MS = 1000;

/**
 * /healthz: the process serves. /readyz: the store accepts writes (routes are listed, not
 * required). Probes are shared between callers, so a crowd of health checkers costs one small
 * write a second. The public body names no setting, host or database error: the reason goes to
 * the log, once each time readiness changes.
 */
export function mountHealth(router: IRouter, store: EventStore, providers: readonly Provider[], logger: Logger, clock: Clock): void {
  const routes = Object.fromEntries(providers.map((p) => [p.name, { configured: p.access.configured }]));
  let last: { at: number; health: Promise<StoreHealth> } | undefined;
  let wasOk = true;
  const health = () => {
    const now = clock.now();
    if (!last || now - last.at >= PROBE_INTERVAL_MS) {
      const probe = store.check().then((h) => {
        if (h.ok !== wasOk) {
          wasOk = h.ok;
          if (h.ok) logger.info({ readiness: 'ok' }, 'ready: the store accepts writes again');
          else logger.warn({ readiness: 'unavailable', reason: h.reason }, `not ready: ${h.reason}`);
        }
        return h;
      });
      last = { at: now, health: probe };
    }
    return last.health;
  };

  router.get('/healthz', (_req: Request, res: Response) => {
    res.status(200).json({ status: 'ok' });
  });

  router.get('/readyz', async (_req: Request, res: Response) => {
    const h = await health();
    res.setHeader('cache-control', 'no-store');
    res.status(h.ok ? 200 : 503).json({ status: h.ok ? 'ok' : 'unavailable', checks: { store: h.ok ? 'ok' : 'unavailable' }, routes });
  });
}
