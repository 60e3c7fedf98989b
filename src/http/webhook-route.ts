import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Clock } from '../clock.js';
import { HttpError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import type { Provider } from '../providers/provider.js';
import { receive } from '../providers/receive.js';
import type { EventStore } from '../store/event-store.js';
import type { AuthFailureLimiter } from './auth-failure-limiter.js';
import { errorAnswer, jsonAnswer, sendErrorAnswer } from './error-answer.js';
import { readBody } from './read-body.js';
import { webhookRequestLog, type WebhookLogFields } from './request-log.js';

export interface WebhookRouteDeps {
  store: EventStore;
  clock: Clock;
  logger: Logger;
  metrics: Metrics;
  limiter: AuthFailureLimiter;
  bodyLimit: number;
  /** The client's address as TRUST_PROXY says to read it (the same function Express's req.ip uses). */
  clientIp(req: IncomingMessage): string;
}

/** A webhook route's handler: Node's request and response only, it answers every outcome itself. */
export type WebhookHandler = (req: IncomingMessage, res: ServerResponse) => void;

const isJson = (contentType: string | undefined) => (contentType ?? '').split(';')[0]!.trim().toLowerCase() === 'application/json';

/**
 * One provider's route. HTTP concerns only, in SPEC §4's order: method → configured → source
 * address → (repeated authentication failures: 429) → content type → size; then the shared
 * pipeline (receive) does the rest. It needs nothing of Express: the app hands it requests for
 * its exact path before Express sees them, which halves the CPU per webhook (BENCHMARKS.md), and
 * Express routes it the rest (another method, a trailing slash, a query string).
 */
export function webhookHandler(provider: Provider, deps: WebhookRouteDeps): WebhookHandler {
  const envPrefix = provider.name.toUpperCase();
  const startLog = webhookRequestLog(deps.logger, deps.metrics, provider.name);
  // The same bytes for every accepted delivery: encoded once.
  const answer = jsonAnswer(200, provider.successBody);

  const handle = async (req: IncomingMessage, res: ServerResponse, fields: WebhookLogFields) => {
    if (req.method !== 'POST') {
      res.setHeader('allow', 'POST');
      throw new HttpError(405, 'method_not_allowed', { outcome: 'method_not_allowed', reason: `method ${req.method}` });
    }
    if (!provider.access.configured) {
      throw new HttpError(503, 'not_configured', {
        outcome: 'not_configured',
        reason: `no authentication method configured; set ${provider.access.missing.join(' / ')}`,
        body: { missing: provider.access.missing },
      });
    }
    const ip = deps.clientIp(req);
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
      throw new HttpError(415, 'unsupported_media_type', {
        outcome: 'unsupported_media_type',
        reason: `content encoding ${encoding} is not supported`,
      });
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

  return (req, res) => {
    const fields: WebhookLogFields = {};
    const requestId = startLog(req, res, fields);
    handle(req, res, fields).catch((error: unknown) => {
      const failure = errorAnswer(error);
      Object.assign(fields, { outcome: failure.outcome, reason: failure.reason });
      if (failure.sessionId !== undefined) fields.sessionId = failure.sessionId;
      if (failure.unexpected) deps.logger.error({ err: error, path: req.url, requestId }, 'unhandled error');
      sendErrorAnswer(res, failure);
    });
  };
}
