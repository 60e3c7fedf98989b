import { Webhook } from 'standardwebhooks';
import type { Clock } from '../clock.js';
import { VERSION } from '../version.js';
import { forwardJson } from './forward-json.js';
import { DeliveryError, type Target } from './target.js';

export interface HttpSinkOptions {
  url: string;
  /** A Standard Webhooks key, `whsec_…`. */
  secret: string;
  timeoutMs: number;
  clock: Clock;
}

/** Why a request got no answer, in words that hold no URL query, secret or payload. */
function requestFailure(error: unknown, timeoutMs: number): string {
  const e = error as { name?: string; cause?: { code?: string } };
  if (e.name === 'TimeoutError') return `no answer within ${timeoutMs} ms`;
  if (e.name === 'AbortError') return 'stopped while in flight';
  return `request failed: ${e.cause?.code ?? e.name ?? 'error'}`;
}

/**
 * The HTTP sink: a POST of the event JSON signed per Standard Webhooks (`webhook-id` = the event
 * id, so the receiver can drop a redelivery). Any 2xx is delivered; anything else is retried.
 */
export function httpSink(options: HttpSinkOptions): Target {
  const webhook = new Webhook(options.secret);
  const url = new URL(options.url);
  return {
    name: 'http',
    describe: `http ${url.origin}${url.pathname}`,
    ordered: true,
    async deliver(item, signal) {
      const body = forwardJson(item.event);
      const at = new Date(options.clock.now());
      let response: Response;
      try {
        response = await fetch(url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'user-agent': `ine-webhooks/${VERSION}`,
            'webhook-id': item.event.id,
            'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
            'webhook-signature': webhook.sign(item.event.id, at, body),
          },
          body,
          redirect: 'manual',
          signal: AbortSignal.any([signal, AbortSignal.timeout(options.timeoutMs)]),
        });
        // The answer's body is not needed (and never logged): release the connection.
        await response.body?.cancel();
      } catch (error) {
        throw new DeliveryError(requestFailure(error, options.timeoutMs));
      }
      if (response.status < 200 || response.status > 299) throw new DeliveryError(`answered HTTP ${response.status}`);
    },
  };
}
