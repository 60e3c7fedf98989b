import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { createIpAllowList } from '../auth/ip-allow-list.js';
import { parseBearer } from '../auth/oauth.js';
import { timingSafeEqualText } from '../auth/timing-safe-equal.js';
import type { Clock } from '../clock.js';
import type { Config } from '../config.js';
import { HttpError } from '../errors.js';
import { echo } from '../http/echo.js';
import type { Logger } from '../logger.js';
import type { AccessStore } from '../store/event-store.js';
import { hashAccessKey } from './access-key.js';
import type { AuditTrail } from './audit-trail.js';
import { proxyRoleMatcher } from './proxy-roles.js';
import { atLeast, type Principal, type Role } from './roles.js';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Locals {
      /** Who is asking: set by `authenticate`, which runs before every admin route that needs it. */
      principal: Principal;
    }
  }
}

/** A key's last use is written at most this often (a busy key is not one write per request). */
const TOUCH_EVERY_MS = 60_000;

export interface AdminAuth {
  /** Resolves who is asking, or answers 401 (recorded in the audit trail). */
  authenticate: RequestHandler;
  /** Lets the request on when its principal has at least `role`, else 403 (recorded). */
  requireRole(role: Role): RequestHandler;
  /** The SSO proxy's person when the request comes from AUTH_PROXY_CIDRS with the header; refused (403) when no rule gives a role. */
  fromProxy(req: Request): Promise<Principal | undefined>;
  /** Whom a key's SHA-256 names: ADMIN_TOKEN's, or a stored key's (its last use recorded); null for none. */
  byKeyHash(hash: string): Promise<Principal | null>;
  /** Answers 401 or 403, recorded in the audit trail and the log. */
  refuse(req: Request, who: { actor: string; role: Role | null }, status: 401 | 403, reason: string): Promise<never>;
}

/**
 * Who may use the admin listener: the SSO proxy's identity (from AUTH_PROXY_CIDRS only), a named
 * access key looked up by its hash in the store on every request (a revocation on one replica
 * counts on all of them at once), or the break-glass ADMIN_TOKEN. Every refusal is one audit record.
 */
export function createAdminAuth(deps: { config: Config; access: AccessStore; audit: AuditTrail; logger: Logger; clock: Clock }): AdminAuth {
  const { config, access, audit, logger, clock } = deps;
  const proxy = config.authProxy;
  const fromProxy = proxy ? createIpAllowList(proxy.cidrs) : () => false;
  const proxyRole = proxyRoleMatcher(proxy?.roles ?? []);

  const refuse = async (
    req: Request,
    who: { actor: string; role: Role | null },
    status: 401 | 403,
    reason: string,
    detail: Record<string, unknown> = {},
  ): Promise<never> => {
    logger.warn({ admin: 'refused', path: echo(req.path), actor: echo(who.actor), status, reason }, 'admin request refused');
    // A refusal is answered even when the store cannot record it (the log line above still says it).
    await audit({
      ...who,
      action: 'refused',
      subject: null,
      reason: null,
      outcome: status === 401 ? 'unauthorized' : 'forbidden',
      detail: { method: req.method, path: req.path.slice(0, 200), why: reason, ...detail },
    }).catch((error: unknown) => logger.error({ err: { message: (error as Error).message } }, 'could not record a refused admin request'));
    throw status === 401
      ? new HttpError(401, 'unauthorized', { headers: { 'www-authenticate': 'Bearer' } })
      : new HttpError(403, 'forbidden', { body: detail.needs === undefined ? {} : { needs: detail.needs } });
  };

  const adminTokenHash = config.adminToken === undefined ? undefined : hashAccessKey(config.adminToken);

  const proxied = async (req: Request): Promise<Principal | undefined> => {
    if (!proxy || !fromProxy(req.socket.remoteAddress)) return undefined;
    const identity = req.headers[proxy.header];
    if (typeof identity !== 'string' || identity.trim() === '') return undefined;
    const actor = identity.trim();
    const role = proxyRole(actor);
    if (role === undefined) return refuse(req, { actor, role: null }, 403, 'no AUTH_PROXY_ROLES rule matches this identity');
    return { actor, role, via: 'proxy' };
  };

  const byKeyHash = async (hash: string): Promise<Principal | null> => {
    if (adminTokenHash !== undefined && timingSafeEqualText(hash, adminTokenHash)) {
      return { actor: 'admin-token', role: 'admin', via: 'admin-token' };
    }
    const found = await access.keyByHash(hash);
    if (!found) return null;
    const now = clock.now();
    if (found.lastUsedAt === null || now - Date.parse(found.lastUsedAt) >= TOUCH_EVERY_MS) {
      access
        .touchKey(found.name, new Date(now).toISOString())
        .catch((error: unknown) =>
          logger.warn({ key: found.name, err: { message: (error as Error).message } }, 'could not record a key use'),
        );
    }
    return { actor: found.name, role: found.role, via: 'key' };
  };

  const resolve = async (req: Request): Promise<Principal> => {
    const person = await proxied(req);
    if (person) return person;
    // From anywhere else the proxy header is ignored: only a key counts.
    const key = parseBearer(req.headers.authorization);
    if (key === undefined) return refuse(req, { actor: 'unknown', role: null }, 401, 'no bearer key');
    return (await byKeyHash(hashAccessKey(key))) ?? refuse(req, { actor: 'unknown', role: null }, 401, 'unknown or revoked key');
  };

  return {
    fromProxy: proxied,
    byKeyHash,
    refuse: (req, who, status, reason) => refuse(req, who, status, reason),
    authenticate: async (req: Request, res: Response, next: NextFunction) => {
      res.locals.principal = await resolve(req);
      next();
    },
    requireRole: (role) => async (req: Request, res: Response, next: NextFunction) => {
      const principal = res.locals.principal;
      if (!atLeast(principal.role, role)) await refuse(req, principal, 403, `needs the ${role} role`, { needs: role });
      next();
    },
  };
}
