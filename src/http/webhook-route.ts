import type { IRouter, Request, Response } from 'express';
import type { Clock } from '../clock.js';
import { HttpError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import type { Provider } from '../providers/provider.js';
import { receive } from '../providers/receive.js';
import type { EventStore } from '../store/event-store.js';
import type { AuthFailureLimiter } from './auth-failure-limiter.js';
import { readBody } from './read-body.js';
import { logFields, webhookRequestLog } from './request-log.js';

export interface WebhookRouteDeps {
  store: EventStore;
  clock: Clock;
  logger: Logger;
  metrics: Metrics;
  limiter: AuthFailureLimiter;
  bodyLimit: number;
}

const isJson = (contentType: string | undefined) =>
  (contentType ?? '').split(';')[0]!.trim().toLowerCase() === 'application/json';

/** The success answer, encoded once: the same bytes for every accepted delivery. */
function successAnswer(body: Record<string, string>) {
  const bytes = Buffer.from(JSON.stringify(body));
  const headers = { 'content-type': 'application/json; charset=utf-8', 'content-length': String(bytes.length) };
  return (res: Response) => res.writeHead(200, headers).end(bytes);
}

/**
 * Mounts one provider's route. HTTP concerns only, in SPEC §4's order: method → configured →
 * source address → (repeated authentication failures: 429) → content type → size; then the
 * shared pipeline (receive) does the rest. One handler for every method: each request passes a
 * single route layer (the hot path; see BENCHMARKS.md).
 */
export function mountWebhookRoute(router: IRouter, provider: Provider, deps: WebhookRouteDeps): void {
  const envPrefix = provider.name.toUpperCase();
  const startLog = webhookRequestLog(deps.logger, deps.metrics, provider.name);
  const answer = successAnswer(provider.successBody);

  const handle = async (req: Request, res: Response) => {
    startLog(req, res);
    if (req.method !== 'POST') {
      res.setHeader('allow', 'POST');
      throw new HttpError(405, 'method_not_allowed', { outcome: 'method_not_allowed', reason: `method ${req.method}` });
    }
    const fields = logFields(res);
    if (!provider.access.configured) {
      throw new HttpError(503, 'not_configured', {
        outcome: 'not_configured',
        reason: `no authentication method configured; set ${provider.access.missing.join(' / ')}`,
        body: { missing: provider.access.missing },
      });
    }
    // req.ip is computed (trust proxy) on every read: read it once.
    const ip = req.ip;
    if (provider.allowList && !provider.allowList(ip)) {
      throw new HttpError(403, 'forbidden', { outcome: 'forbidden', reason: `source address ${ip} is not in ${envPrefix}_ALLOWED_IPS` });
    }
    const wait = deps.limiter.retryAfter(ip);
    if (wait > 0) {
      // Before reading the body or computing any HMAC: a guesser costs almost nothing.
      throw new HttpError(429, 'too_many_requests', {
        outcome: 'rate_limited',
        reason: `too many authentication failures from ${ip}; refused for ${wait} s`,
        headers: { 'retry-after': String(wait) },
      });
    }
    if (!isJson(req.headers['content-type'])) {
      throw new HttpError(415, 'unsupported_media_type', {
        outcome: 'unsupported_media_type',
        reason: `content type ${JSON.stringify(req.headers['content-type'] ?? null)} is not application/json`,
      });
    }
    const encoding = req.headers['content-encoding'];
    if (encoding !== undefined && encoding.trim().toLowerCase() !== 'identity') {
      // Signatures cover the bytes as sent; a compressed body is not what the vendors sign.
      throw new HttpError(415, 'unsupported_media_type', { outcome: 'unsupported_media_type', reason: `content encoding ${encoding} is not supported` });
    }
    const rawBody = await readBody(req, deps.bodyLimit);
    const receipt = await receive(provider, { headers: req.headers, rawBody }, deps).catch((error: unknown) => {
      if (error instanceof HttpError && error.status === 401) deps.limiter.recordFailure(ip);
      throw error;
    });
    Object.assign(fields, {
      outcome: receipt.outcome,
      sessionId: receipt.sessionId,
      eventId: receipt.eventId,
      integration: receipt.integration,
      deliveries: receipt.deliveries,
    });
    answer(res);
  };

  router.all(provider.path, handle);
}
