import type { NextFunction, Request, Response } from 'express';
import type { Logger } from '../logger.js';
import { errorAnswer, sendErrorAnswer } from './error-answer.js';
import type { WebhookState } from './webhook-state.js';

/**
 * The app's one error handler: the error's answer (error-answer.ts); on a webhook route, the
 * outcome and reason for the request's log line; and a log line with the stack for an
 * unexpected error.
 */
export function errorHandler(logger: Logger) {
  return (error: unknown, req: Request, res: Response, _next: NextFunction): void => {
    const answer = errorAnswer(error);
    const webhook = res.locals.webhook as WebhookState | undefined;
    if (webhook) {
      Object.assign(webhook.log, { outcome: answer.outcome ?? 'internal_error', reason: answer.reason });
      if (answer.sessionId !== undefined) webhook.log.sessionId = answer.sessionId;
    }
    if (answer.unexpected) logger.error({ err: error, path: req.path, requestId: res.locals.requestId }, 'unhandled error');
    sendErrorAnswer(res, answer);
  };
}
