import express, { type IRouter, type Request, type Response } from 'express';
import { parseBasicAuth, type OAuthIssuer } from '../auth/oauth.js';
import { HttpError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import { echo } from './echo.js';
import { assignRequestId } from './request-log.js';

/** RFC 6749 §5.2 error answers; the reason goes to the log, not the client. */
function oauthError(status: 400 | 401, code: string, description: string, reason: string): HttpError {
  return new HttpError(status, code, {
    reason,
    body: { error_description: description },
    headers: {
      'cache-control': 'no-store',
      pragma: 'no-cache',
      ...(status === 401 ? { 'www-authenticate': 'Basic realm="ine-webhooks"' } : {}),
    },
  });
}

/** POST /oauth/token: the client-credentials grant Incode uses before sending notifications. */
export function mountOAuthRoute(router: IRouter, issuer: OAuthIssuer, logger: Logger, metrics: Metrics): void {
  const log = logger.child({ component: 'oauth' });

  const token = (req: Request, res: Response) => {
    const requestId = (res.locals.requestId = assignRequestId(req, res));
    const refuse = (error: HttpError) => {
      metrics.oauthToken('refused');
      log.warn({ oauth: 'refused', error: error.code, reason: error.reason, requestId }, `oauth token refused: ${error.reason}`);
      return error;
    };
    const form = (req.body ?? {}) as Record<string, unknown>;
    if (!req.is('application/x-www-form-urlencoded')) {
      throw refuse(
        oauthError(
          400,
          'invalid_request',
          'the body must be application/x-www-form-urlencoded',
          `content type ${echo(req.headers['content-type'])}`,
        ),
      );
    }
    const basic = parseBasicAuth(req.headers.authorization);
    const formClient =
      typeof form.client_id === 'string' && typeof form.client_secret === 'string'
        ? [{ id: form.client_id, secret: form.client_secret }]
        : [];
    const candidates = basic.length > 0 ? basic : formClient;
    if (candidates.length === 0) {
      throw refuse(oauthError(401, 'invalid_client', 'client authentication failed', 'no client credentials'));
    }
    // Every candidate is checked (in constant time), so the answer's timing says nothing of which form matched.
    const matched = candidates.map((c) => issuer.checkClient(c.id, c.secret)).some(Boolean);
    if (!matched) {
      throw refuse(oauthError(401, 'invalid_client', 'client authentication failed', 'wrong client id or secret'));
    }
    const grant = form.grant_type;
    if (grant === undefined) {
      throw refuse(oauthError(400, 'invalid_request', 'grant_type is required', 'no grant_type'));
    }
    if (grant !== 'client_credentials') {
      throw refuse(
        oauthError(400, 'unsupported_grant_type', 'only client_credentials is supported', `grant_type ${String(grant).slice(0, 40)}`),
      );
    }
    const issued = issuer.issue();
    metrics.oauthToken('issued');
    log.info({ oauth: 'issued', expiresIn: issued.expires_in, requestId }, 'oauth token issued');
    res.setHeader('cache-control', 'no-store');
    res.setHeader('pragma', 'no-cache');
    res.status(200).json(issued);
  };

  router.post('/oauth/token', express.urlencoded({ extended: false, limit: '16kb' }), token);
}
