import { randomBytes } from 'node:crypto';
import { parse as parseCookies, serialize } from 'cookie';
import type { NextFunction, Request, Response } from 'express';
import type { AdminAuth } from '../access/admin-auth.js';
import { hashAccessKey } from '../access/access-key.js';
import type { Principal } from '../access/roles.js';
import { timingSafeEqualText } from '../auth/timing-safe-equal.js';
import type { Clock } from '../clock.js';
import { HttpError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { AccessStore } from '../store/event-store.js';

/** A console session ends after this long without a page. */
export const IDLE_MS = 30 * 60_000;
/** A session's last page is written at most this often (not one write per page). */
const TOUCH_EVERY_MS = 60_000;
export const SESSION_COOKIE = 'ine_console';
export const CSRF_COOKIE = 'ine_csrf';
export const CSRF_FIELD = '_csrf';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Locals {
      /** The console's anti-forgery token for this browser, put in every form that changes something. */
      csrf: string;
    }
  }
}

const hostOf = (origin: string) => {
  try {
    return new URL(origin).host;
  } catch {
    return undefined;
  }
};
/** A session token is 256 random bits, as a key is: hashed the same way. */
const sha256 = hashAccessKey;
const cookieOptions = (req: Request, maxAgeSeconds: number) => ({
  httpOnly: true,
  sameSite: 'strict' as const,
  secure: req.secure,
  path: '/',
  maxAge: maxAgeSeconds,
});

/**
 * Who is at the console: the SSO proxy's person (no form at all), or the key signed in with,
 * held as a session cookie (HttpOnly, SameSite=Strict, Secure over HTTPS; only its hash is stored,
 * so every replica knows it and sign-out ends it everywhere). The key behind a session is looked
 * up again on every page: a revoked key ends its sessions at once. Forms that change something
 * carry a token that must match a cookie of this browser (and a cross-site Origin is refused).
 */
export function createConsoleAuth(deps: { auth: AdminAuth; access: AccessStore; clock: Clock; logger: Logger }) {
  const { auth, access, clock, logger } = deps;

  const sessionOf = async (req: Request): Promise<{ principal: Principal; tokenHash: string } | null> => {
    const token = parseCookies(req.headers.cookie ?? '')[SESSION_COOKIE];
    if (token === undefined || token.length > 100) return null;
    const tokenHash = sha256(token);
    const session = await access.consoleSession(tokenHash);
    const now = clock.now();
    if (!session || now - session.lastSeenAt >= IDLE_MS) return null;
    const principal = await auth.byKeyHash(session.keyHash);
    if (!principal) return null;
    if (now - session.lastSeenAt >= TOUCH_EVERY_MS) await access.touchSession(tokenHash, now);
    return { principal, tokenHash };
  };

  return {
    /** Every console request: the anti-forgery cookie set, and the person resolved when there is one (else locals.principal stays unset). */
    async identify(req: Request, res: Response, next: NextFunction) {
      let csrf = parseCookies(req.headers.cookie ?? '')[CSRF_COOKIE];
      if (csrf === undefined || !/^[A-Za-z0-9_-]{43}$/.test(csrf)) {
        csrf = randomBytes(32).toString('base64url');
        res.append('set-cookie', serialize(CSRF_COOKIE, csrf, cookieOptions(req, 12 * 3600)));
      }
      res.locals.csrf = csrf;
      const person = (await auth.fromProxy(req)) ?? (await sessionOf(req))?.principal;
      if (person) res.locals.principal = person;
      next();
    },

    /** A form post that changes something: its token must be this browser's, and it must not come from another site. */
    checkForm(req: Request, res: Response, next: NextFunction) {
      const given: unknown = (req.body as Record<string, unknown> | undefined)?.[CSRF_FIELD];
      const origin = req.headers.origin;
      const site = req.headers['sec-fetch-site'];
      // The host only: behind a TLS proxy the browser's scheme is not the one this listener sees.
      const sameOrigin = origin === undefined || hostOf(origin) === req.headers.host;
      const sameSite = site === undefined || site === 'same-origin' || site === 'none';
      if (typeof given !== 'string' || !timingSafeEqualText(given, res.locals.csrf) || !sameOrigin || !sameSite) {
        logger.warn({ console: 'refused', path: req.path, why: 'cross-site or stale form' }, 'console form refused');
        throw new HttpError(403, 'csrf');
      }
      next();
    },

    /** Exchanges a key for a session cookie; null when the key names no one. */
    async signIn(req: Request, res: Response, key: string): Promise<Principal | null> {
      const keyHash = hashAccessKey(key);
      const principal = await auth.byKeyHash(keyHash);
      if (!principal) return null;
      const token = randomBytes(32).toString('base64url');
      const now = clock.now();
      await access.startSession(sha256(token), keyHash, now, now - IDLE_MS);
      res.append('set-cookie', serialize(SESSION_COOKIE, token, cookieOptions(req, IDLE_MS / 1000)));
      return principal;
    },

    async signOut(req: Request, res: Response): Promise<void> {
      const token = parseCookies(req.headers.cookie ?? '')[SESSION_COOKIE];
      if (token !== undefined) await access.endSession(sha256(token));
      res.append('set-cookie', serialize(SESSION_COOKIE, '', { ...cookieOptions(req, 0), expires: new Date(0) }));
    },

    /** Keeps the cookie's own expiry 30 minutes after the latest page. */
    refresh(req: Request, res: Response): void {
      const token = parseCookies(req.headers.cookie ?? '')[SESSION_COOKIE];
      if (token !== undefined && res.locals.principal?.via !== 'proxy') {
        res.append('set-cookie', serialize(SESSION_COOKIE, token, cookieOptions(req, IDLE_MS / 1000)));
      }
    },
  };
}

export type ConsoleAuth = ReturnType<typeof createConsoleAuth>;
