import type { Response } from 'express';
import type { HeaderVerdict } from '../intake/receive-webhook.js';
import type { ProviderName } from '../providers/provider.js';
import type { WebhookLogFields } from './request-log.js';

/** How far a webhook request has come: each step's middleware moves it on, with what it learned. */
export type WebhookStage =
  | { step: 'arrived' }
  | { step: 'headers-checked'; verdict: Exclude<HeaderVerdict, { kind: 'refused' }> }
  | { step: 'body-read'; verdict: Exclude<HeaderVerdict, { kind: 'refused' }>; rawBody: Buffer };

/** What the middleware of a webhook route hand on to each other, kept on `res.locals.webhook`. */
export interface WebhookState {
  provider: ProviderName;
  requestId: string;
  /** What the request's one log line will say (request-log.ts). */
  log: WebhookLogFields;
  stage: WebhookStage;
}

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Locals {
      /** Set by a webhook route's first middleware (webhookLog); absent on every other route. */
      webhook?: WebhookState;
    }
  }
}

/**
 * The request's state and its stage, at the step a middleware needs (a middleware run out of order
 * is a bug, said as one); the middleware moves it on by setting `state.stage`.
 */
export function webhookAt<S extends WebhookStage['step']>(
  res: Response,
  step: S,
): { state: WebhookState; stage: Extract<WebhookStage, { step: S }> } {
  const state = res.locals.webhook;
  if (!state || state.stage.step !== step) throw new Error(`webhook route: expected step ${step}, at ${state?.stage.step ?? 'none'}`);
  return { state, stage: state.stage as Extract<WebhookStage, { step: S }> };
}
