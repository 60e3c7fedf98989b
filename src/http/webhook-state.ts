import type { Response } from 'express';
import type { Classified, ProviderName } from '../providers/provider.js';
import type { WebhookLogFields } from './request-log.js';

/** What the middleware of a webhook route hand on to each other, kept on `res.locals.webhook`. */
export interface WebhookState {
  provider: ProviderName;
  requestId: string;
  /** What the request's one log line will say (request-log.ts). */
  log: WebhookLogFields;
  /** Set once a method has passed: the integration recorded with the event. */
  integration?: string | null;
  /** Why each method tried so far failed (`method: reason`), for the 401's log line. */
  authFailures: string[];
  /** The exact request bytes. */
  rawBody?: Buffer;
  /** The body as JSON text (valid UTF-8) and the event fields read from it. */
  text?: string;
  event?: Classified;
}

export function webhookState(res: Response): WebhookState {
  return res.locals.webhook as WebhookState;
}
