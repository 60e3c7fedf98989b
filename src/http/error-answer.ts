import type { ServerResponse } from 'node:http';
import { HttpError, StoreUnavailableError, type Outcome } from '../errors.js';

/** How an error is answered, and what the request's log line says of it. */
export interface ErrorAnswer {
  status: number;
  /** JSON `{"error": code, ...}`: never a stack trace or a secret. */
  body: Record<string, unknown>;
  headers: Record<string, string>;
  outcome?: Outcome;
  /** Why, for the log only. */
  reason?: string;
  sessionId?: string | null;
  /** Not an error the code expected: logged with its stack. */
  unexpected: boolean;
}

/**
 * A client error raised by Express or its parsers (http-errors: a 4xx `status`, `expose` true),
 * such as a form body too large or a path that is not valid percent-encoding (`/events/%FF`).
 */
function isClientError(error: unknown): error is { status: number; type?: string; message: string } {
  const e = error as { status?: unknown; expose?: unknown; type?: unknown };
  const known = e?.expose === true || typeof e?.type === 'string' || error instanceof URIError;
  return typeof e?.status === 'number' && e.status >= 400 && e.status < 500 && known;
}

/** The one place errors become answers: specific inside (the reason), terse outside. */
export function errorAnswer(error: unknown): ErrorAnswer {
  if (error instanceof HttpError) {
    return {
      status: error.status,
      body: { error: error.code, ...error.body },
      headers: error.headers,
      outcome: error.outcome,
      reason: error.reason,
      unexpected: false,
    };
  }
  if (error instanceof StoreUnavailableError) {
    return {
      status: 503,
      body: { error: 'store_unavailable' },
      headers: { 'retry-after': '30' },
      outcome: 'store_unavailable',
      reason: error.message,
      sessionId: error.sessionId,
      unexpected: false,
    };
  }
  if (isClientError(error)) {
    // The form body of POST /oauth/token, or a malformed path (webhook routes turn their parser's errors into HttpError).
    return {
      status: error.status,
      body: { error: error.status === 413 ? 'payload_too_large' : 'invalid_request' },
      headers: {},
      reason: error.type ?? error.message.slice(0, 100),
      unexpected: false,
    };
  }
  return {
    status: 500,
    body: { error: 'internal_error' },
    headers: {},
    outcome: 'internal_error',
    reason: String(error),
    unexpected: true,
  };
}

/**
 * A JSON answer encoded once, with `Content-Type: application/json` exactly (Incode's retry rule
 * reads that header); headers set earlier are kept and `extra` adds some. Built once for an
 * answer that never changes (a webhook's success).
 */
export function jsonAnswer(status: number, body: unknown): (res: ServerResponse, extra?: Record<string, string>) => void {
  const bytes = Buffer.from(JSON.stringify(body));
  const headers = { 'content-type': 'application/json', 'content-length': String(bytes.length) };
  return (res, extra) => res.writeHead(status, extra ? { ...extra, ...headers } : headers).end(bytes);
}

/** Writes an error's answer, or cuts the connection if an answer had already begun. */
export function sendErrorAnswer(res: ServerResponse, answer: ErrorAnswer): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  jsonAnswer(answer.status, answer.body)(res, answer.headers);
}
