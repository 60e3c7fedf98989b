import type { NextFunction, Request, Response } from 'express';
import { HttpError } from '../errors.js';
import { checkHeaders, type Refusal } from '../intake/receive-webhook.js';
import type { Provider } from '../providers/provider.js';
import { webhookAt } from './webhook-state.js';

/** 405 for any method but POST on a webhook path. */
export function methodNotAllowed(req: Request, res: Response): void {
  res.setHeader('allow', 'POST');
  throw new HttpError(405, 'method_not_allowed', { outcome: 'method_not_allowed', reason: `method ${req.method}` });
}

/** A refusal of the core (receive-webhook.ts) as this app's error: its status, code, outcome and reason. */
export const refusedWith = (refusal: Refusal) =>
  new HttpError(refusal.status, refusal.code, { outcome: refusal.outcome, reason: refusal.reason });

/**
 * Before any body byte is read: the route is configured (503), the source address allowed (403),
 * and the credentials that live in headers checked (401 when they are the only ones configured),
 * so a forger costs no body buffering.
 */
export function deliveryHeaders(provider: Provider) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const { state } = webhookAt(res, 'arrived');
    const verdict = checkHeaders(provider, req.headers, req.ip);
    if (verdict.kind === 'refused') throw refusedWith(verdict.refusal);
    state.stage = { step: 'headers-checked', verdict };
    next();
  };
}
