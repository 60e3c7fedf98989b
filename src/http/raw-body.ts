import express, { type NextFunction, type Request, type Response } from 'express';
import { HttpError } from '../errors.js';
import type { BodySlots } from './body-slots.js';
import { echo } from './echo.js';
import { webhookAt } from './webhook-state.js';

/**
 * A real delivery is never lost to its Content-Type: JSON types (`application/json`,
 * `application/*+json`, any parameters), none at all, `text/plain` and `application/octet-stream`
 * are read (Incode's own sample receivers take any type); a declared non-JSON type is 415.
 */
const READ_TYPES = /^(?:application\/json|application\/[\w.+-]*\+json|text\/plain|application\/octet-stream)$/;

const tooLarge = (limit: number, size: string) =>
  new HttpError(413, 'payload_too_large', {
    outcome: 'too_large',
    reason: `body ${size} over the ${limit}-byte limit`,
    body: { limit },
    headers: { connection: 'close' },
  });

/**
 * Reads the exact request bytes (Express's raw body parser), checked in this order: a declared
 * size over the limit (413), the content type (415), any Content-Encoding (415: signatures cover
 * the bytes as sent), then the bytes themselves, at most `limit` of them (413).
 */
/** How fast a body must come: whole within `timeoutMs`, and past the first second at least `minRate` bytes a second. */
export interface BodyPace {
  timeoutMs: number;
  minRate: number;
}

/** How often a body's pace is looked at, and the grace before the floor rate applies. */
const PACE_CHECK_MS = 250;
const PACE_GRACE_MS = 1000;

const tooSlow = (reason: string) =>
  new HttpError(408, 'request_timeout', { outcome: 'too_slow', reason, headers: { connection: 'close' } });

/**
 * Body slots per kind of route: requests whose credentials already passed in headers (Incode's
 * secret header or token) never wait behind bodies still unauthenticated (Veriff's HMAC, forgers').
 */
export interface BodyPools {
  verified: BodySlots;
  unverified: BodySlots;
}

export function rawBody(limit: number, pools: BodyPools, pace: BodyPace) {
  const read = express.raw({ type: () => true, limit, inflate: false });
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > limit) throw tooLarge(limit, `of ${declared} bytes`);
    const contentType = req.headers['content-type'];
    const mediaType = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
    if (mediaType !== '' && !READ_TYPES.test(mediaType)) {
      throw new HttpError(415, 'unsupported_media_type', {
        outcome: 'unsupported_media_type',
        reason: `content type ${echo(contentType)} is not JSON`,
      });
    }
    const encoding = req.headers['content-encoding'];
    if (encoding !== undefined) {
      throw new HttpError(415, 'unsupported_media_type', {
        outcome: 'unsupported_media_type',
        reason: `content encoding ${echo(encoding)} is not accepted: the signature covers the bytes as sent`,
      });
    }
    // Wait for a body slot; a client that goes away meanwhile gives its place up.
    const gone = new AbortController();
    const onClose = () =>
      gone.abort(new HttpError(400, 'aborted', { outcome: 'aborted', reason: 'client closed while waiting to send its body' }));
    res.once('close', onClose);
    const { state, stage } = webhookAt(res, 'headers-checked');
    const { verdict } = stage;
    const slots = verdict.kind === 'passed' ? pools.verified : pools.unverified;
    // Whole bodies first: a trickler's never is, a vendor's usually is by the time it waits.
    const arrived = () => req.complete;
    const release = await slots.acquire(req.ip ?? 'unknown', gone.signal, arrived).finally(() => res.off('close', onClose));
    // The body's own deadline and floor rate: a trickle gives its slot up within seconds (408, closed).
    const started = performance.now();
    const startBytes = req.socket.bytesRead;
    let settled = false;
    const settle = (error?: HttpError) => {
      if (settled) return;
      settled = true;
      clearInterval(watch);
      release();
      if (error) {
        // Unread bytes are not waited for: the connection closes once the answer is out.
        res.once('finish', () => req.socket.destroy());
        return next(error);
      }
      state.stage = { step: 'body-read', verdict, rawBody: Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0) };
      next();
    };
    // A body already whole (a vendor's usually is, by now) needs no watch.
    const watch = req.complete
      ? undefined
      : setInterval(() => {
          const elapsed = performance.now() - started;
          const got = req.socket.bytesRead - startBytes;
          if (elapsed >= pace.timeoutMs) settle(tooSlow(`body not whole within BODY_TIMEOUT_MS (${pace.timeoutMs} ms): ${got} bytes`));
          else if (elapsed >= PACE_GRACE_MS && got < (pace.minRate * elapsed) / 1000) {
            settle(tooSlow(`body arriving at ${Math.round((got * 1000) / elapsed)} bytes/s, under BODY_MIN_RATE (${pace.minRate})`));
          }
        }, PACE_CHECK_MS);
    read(req, res, (error?: unknown) => {
      if (settled) return;
      if (error) {
        settled = true;
        clearInterval(watch);
        release();
        return next(bodyError(error, limit));
      }
      settle();
    });
  };
}

/** body-parser's errors as this service's: 413 for size, 400 `aborted` for a cut or broken stream. */
function bodyError(error: unknown, limit: number): HttpError {
  const type = (error as { type?: string }).type;
  if (type === 'entity.too.large') return tooLarge(limit, 'of more than that');
  return new HttpError(400, 'aborted', { outcome: 'aborted', reason: `request body not read: ${type ?? 'stream error'}` });
}
