import type { NextFunction, Request, Response } from 'express';
import { HttpError } from '../errors.js';
import type { AuthMethod, Provider } from '../providers/provider.js';
import { webhookState, type WebhookState } from './webhook-state.js';

/** 405 for any method but POST on a webhook path. */
export function methodNotAllowed(req: Request, res: Response): void {
  res.setHeader('allow', 'POST');
  throw new HttpError(405, 'method_not_allowed', { outcome: 'method_not_allowed', reason: `method ${req.method}` });
}

/** A route with no authentication method configured is closed: 503, and the log says what to set. */
export function routeConfigured(provider: Provider) {
  return (_req: Request, _res: Response, next: NextFunction): void => {
    if (provider.access.configured) return next();
    throw new HttpError(503, 'not_configured', {
      outcome: 'not_configured',
      reason: `no authentication method configured; set ${provider.access.missing.join(' / ')}`,
    });
  };
}

/** The optional allow-list of source addresses (`req.ip`, read as TRUST_PROXY says). */
export function sourceAddress(provider: Provider) {
  const envName = `${provider.name.toUpperCase()}_ALLOWED_IPS`;
  return (req: Request, _res: Response, next: NextFunction): void => {
    if (!provider.allowList || provider.allowList(req.ip)) return next();
    throw new HttpError(403, 'forbidden', { outcome: 'forbidden', reason: `source address ${req.ip} is not in ${envName}` });
  };
}

/**
 * Tries the methods in order; the first that passes records the integration. Each failure is kept
 * (`method: reason`) for the log line of a 401.
 */
function tryMethods(methods: readonly AuthMethod[], req: Request, state: WebhookState): boolean {
  for (const method of methods) {
    const check = method.check(req.headers, state.rawBody);
    if (check.ok) {
      state.integration = check.integration;
      return true;
    }
    state.authFailures.push(`${method.name}: ${check.reason}`);
  }
  return false;
}

const unauthorized = (state: WebhookState) =>
  new HttpError(401, 'unauthorized', { outcome: 'unauthorized', reason: state.authFailures.join('; ') });

/**
 * Credentials that live in headers (a static secret, a bearer token) are checked before the body
 * is read: a forger then costs no body buffering. A pass settles authentication; a failure ends the
 * request when every configured method is a header one, else the body methods get their turn.
 */
export function headerCredentials(provider: Provider) {
  const methods = provider.access.configured ? provider.access.methods.filter((m) => !m.inBody) : [];
  const onlyHeaders = provider.access.configured && methods.length === provider.access.methods.length;
  return (req: Request, res: Response, next: NextFunction): void => {
    const state = webhookState(res);
    if (tryMethods(methods, req, state) || !onlyHeaders) return next();
    throw unauthorized(state);
  };
}

/** After the body is read: the signature methods, unless a header method already passed. */
export function bodyCredentials(provider: Provider) {
  const methods = provider.access.configured ? provider.access.methods.filter((m) => m.inBody) : [];
  return (req: Request, res: Response, next: NextFunction): void => {
    const state = webhookState(res);
    if (state.integration !== undefined || tryMethods(methods, req, state)) return next();
    throw unauthorized(state);
  };
}
