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

function isBodyParserError(error: unknown): error is { status: number; type: string } {
  const e = error as { status?: unknown; type?: unknown };
  return typeof e?.status === 'number' && typeof e.type === 'string' && e.status >= 400 && e.status < 500;
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
  if (isBodyParserError(error)) {
    // The form body of POST /oauth/token (webhook routes turn their parser's errors into HttpError).
    return {
      status: error.status,
      body: { error: error.status === 413 ? 'payload_too_large' : 'invalid_request' },
      headers: {},
      reason: error.type,
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
