import type { NextFunction, Request, Response } from 'express';
import { HttpError, StoreUnavailableError } from '../errors.js';
import type { Logger } from '../logger.js';
import { logFields } from './request-log.js';

/**
 * The one place errors become responses: JSON `{"error": code, ...}`, never a stack trace or a
 * secret. Specific inside (the log line's reason), terse outside.
 */
export function errorHandler(logger: Logger) {
  return (error: unknown, req: Request, res: Response, _next: NextFunction): void => {
    const fields = logFields(res);
    let status: number;
    let body: Record<string, unknown>;

    if (error instanceof HttpError) {
      status = error.status;
      body = { error: error.code, ...error.body };
      for (const [name, value] of Object.entries(error.headers)) res.setHeader(name, value);
      fields.outcome = error.outcome;
      fields.reason = error.reason;
    } else if (error instanceof StoreUnavailableError) {
      status = 503;
      body = { error: 'store_unavailable' };
      res.setHeader('retry-after', '30');
      fields.outcome = 'store_unavailable';
      fields.reason = error.message;
      fields.sessionId = error.sessionId;
    } else if (isBodyParserError(error)) {
      // Only the form body of POST /oauth/token goes through Express's parsers.
      status = error.status;
      body = { error: error.status === 413 ? 'payload_too_large' : 'invalid_request' };
      fields.reason = error.type;
    } else {
      status = 500;
      body = { error: 'internal_error' };
      fields.outcome = 'internal_error';
      fields.reason = String(error);
      logger.error({ err: error, path: req.path, requestId: res.locals.requestId }, 'unhandled error');
    }

    if (res.headersSent) {
      res.destroy();
      return;
    }
    res.status(status).json(body);
  };
}

function isBodyParserError(error: unknown): error is { status: number; type: string } {
  const e = error as { status?: unknown; type?: unknown };
  return typeof e?.status === 'number' && typeof e.type === 'string' && e.status >= 400 && e.status < 500;
}
