import type { NextFunction, Request, Response } from 'express';
import type { Logger } from '../logger.js';
import { errorAnswer, sendErrorAnswer } from './error-answer.js';

/**
 * Express's last handler, for the routes Express serves (OAuth token, health, not found): the
 * error's answer (error-answer.ts), and a log line with the stack for an unexpected one. Webhook
 * routes answer their own errors the same way (webhook-route.ts).
 */
export function errorHandler(logger: Logger) {
  return (error: unknown, req: Request, res: Response, _next: NextFunction): void => {
    const answer = errorAnswer(error);
    if (answer.unexpected) logger.error({ err: error, path: req.path, requestId: res.locals.requestId }, 'unhandled error');
    sendErrorAnswer(res, answer);
  };
}
