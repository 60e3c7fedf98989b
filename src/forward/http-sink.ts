import http from 'node:http';
import https from 'node:https';
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

/** One POST; resolves with the answer's status once its body is read (and dropped: never logged). */
function post(url: URL, agent: http.Agent, headers: Record<string, string>, body: string, signal: AbortSignal): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = (url.protocol === 'https:' ? https : http).request(
      url,
      { method: 'POST', agent, headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) }, signal },
      (response) => {
        response.on('error', reject);
        response.on('end', () => resolve(response.statusCode!));
        response.resume();
      },
    );
    request.on('error', reject);
    request.end(body);
  });
}

/**
 * The HTTP sink: a POST of the event JSON signed per Standard Webhooks (`webhook-id` = the event
 * id, so the receiver can drop a redelivery). Any 2xx is delivered; anything else is retried.
 */
export function httpSink(options: HttpSinkOptions): Target {
  const webhook = new Webhook(options.secret);
  const url = new URL(options.url);
  // One connection kept open: the relay sends one event at a time per sink, in order.
  const agent = new (url.protocol === 'https:' ? https : http).Agent({ keepAlive: true, maxSockets: 1 });
  return {
    name: 'http',
    describe: `http ${url.origin}${url.pathname}`,
    ordered: true,
    async deliver(item, stop) {
      const body = forwardJson(item.event);
      const at = new Date(options.clock.now());
      const timeout = AbortSignal.timeout(options.timeoutMs);
      let status: number;
      try {
        status = await post(
          url,
          agent,
          {
            'content-type': 'application/json',
            'user-agent': `ine-webhooks/${VERSION}`,
            'webhook-id': item.event.id,
            'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
            'webhook-signature': webhook.sign(item.event.id, at, body),
          },
          body,
          AbortSignal.any([stop, timeout]),
        );
      } catch (error) {
        // Said without the URL's query, a secret or the payload.
        if (timeout.aborted) throw new DeliveryError(`no answer within ${options.timeoutMs} ms`);
        if (stop.aborted) throw new DeliveryError('stopped while in flight');
        throw new DeliveryError(`request failed: ${(error as { code?: string }).code ?? 'error'}`);
      }
      if (status < 200 || status > 299) throw new DeliveryError(`answered HTTP ${status}`);
    },
    async close() {
      agent.destroy();
    },
  };
}
