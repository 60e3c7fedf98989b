import type { NextFunction, Request, Response } from 'express';
import type { Logger } from '../logger.js';
import { errorAnswer, sendErrorAnswer } from './error-answer.js';

/**
 * The app's one error handler: the error's answer (error-answer.ts); on a webhook route, the
 * outcome and reason for the request's log line; and a log line with the stack for an
 * unexpected error.
 */
export function errorHandler(logger: Logger) {
  return (error: unknown, req: Request, res: Response, _next: NextFunction): void => {
    const answer = errorAnswer(error);
    const webhook = res.locals.webhook;
    if (webhook) {
      Object.assign(webhook.log, { outcome: answer.outcome ?? 'internal_error', reason: answer.reason });
      if (answer.sessionId !== undefined) webhook.log.sessionId = answer.sessionId;
    }
    if (answer.unexpected) logger.error({ err: error, path: req.path, requestId: res.locals.requestId }, 'unhandled error');
    if (webhook && webhook.stage.step !== 'body-read' && hasBody(req)) closeUnread(req, res, answer);
    sendErrorAnswer(res, answer);
  };
}

/** How much of a refused request's body is read after the answer (so the answer is not lost to a reset), and for how long. */
const LINGER_BYTES = 16 * 1024;
const LINGER_MS = 500;

const hasBody = (req: Request) => Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;

/**
 * A request refused before its body was read (its credentials, address, size or type) is answered
 * with `Connection: close`, and its body is not read: once the answer is out, the connection is
 * closed after at most LINGER_BYTES more or LINGER_MS (a close with much unread data would reset
 * the connection before the sender reads the answer).
 */
function closeUnread(req: Request, res: Response, answer: { headers: Record<string, string> }): void {
  answer.headers = { ...answer.headers, connection: 'close' };
  res.once('finish', () => {
    const socket = req.socket;
    const limit = socket.bytesRead + LINGER_BYTES;
    const cut = () => socket.destroy();
    const timer = setTimeout(cut, LINGER_MS);
    timer.unref();
    socket.on('data', () => {
      if (socket.bytesRead > limit) cut();
    });
    socket.once('close', () => clearTimeout(timer));
  });
}
