import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { NextFunction, Request, Response } from 'express';
import type { Outcome } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import type { ActivityCounts } from '../activity/activity-counts.js';
import type { ProviderName } from '../providers/provider.js';
import type { WebhookState } from './webhook-state.js';
import { echoed } from './echo.js';

/** What a webhook route's middleware leave for the request's one log line. */
export interface WebhookLogFields {
  outcome?: Outcome;
  reason?: string;
  sessionId?: string | null;
  eventId?: string;
  type?: string;
  integration?: string | null;
  deliveries?: number;
}

const REQUEST_ID = /^[\w.:-]{1,128}$/;

/** Gives the request an id (the caller's x-request-id when sane), echoes it, and returns it. */
export function assignRequestId(req: IncomingMessage, res: ServerResponse): string {
  const given = req.headers['x-request-id'];
  const id = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
  res.setHeader('x-request-id', id);
  return id;
}

/** Middleware form of assignRequestId, for Express apps; the id is kept for the error handler's log. */
export function requestId(req: Request, res: Response, next: NextFunction): void {
  res.locals.requestId = assignRequestId(req, res);
  next();
}

/**
 * The first middleware of a webhook route: exactly one log line per request, written when the
 * response is finished or the connection closed, with the outcome the later middleware recorded;
 * the same outcome feeds the request metrics and the console's activity counts, so logs, metrics
 * and the chart never disagree.
 */
export function webhookLog(provider: ProviderName, logger: Logger, metrics: Metrics, activity: ActivityCounts) {
  const log = logger.child({ provider });
  return (req: Request, res: Response, next: NextFunction): void => {
    const started = process.hrtime.bigint();
    const state: WebhookState = { provider, requestId: assignRequestId(req, res), log: {}, stage: { step: 'arrived' } };
    res.locals.webhook = state;
    res.locals.requestId = state.requestId;
    const fields = state.log;
    // 'close' follows every response once: finished, or cut off before it could be.
    res.once('close', () => {
      const outcome = fields.outcome ?? (res.writableFinished ? 'accepted' : 'aborted');
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      metrics.observeRequest(provider, outcome, seconds);
      activity.record(provider, outcome);
      const line = {
        outcome,
        status: res.headersSent ? res.statusCode : null,
        sessionId: fields.sessionId ?? null,
        eventId: fields.eventId ?? null,
        type: fields.type,
        // Chosen by the sender (Veriff's x-auth-client): cut and escaped like every echoed value.
        integration: typeof fields.integration === 'string' ? echoed(fields.integration) : fields.integration,
        deliveries: fields.deliveries,
        durationMs: seconds * 1000,
        requestId: state.requestId,
        method: req.method,
        ...(fields.reason ? { reason: fields.reason } : {}),
      };
      const level = outcome === 'store_unavailable' ? 'error' : res.statusCode >= 400 || outcome === 'aborted' ? 'warn' : 'info';
      log[level](line, `${provider} webhook ${outcome}`);
    });
    next();
  };
}
