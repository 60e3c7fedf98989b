import { Webhook } from 'standardwebhooks';
import type { Clock } from '../clock.js';
import { forwardJson } from './forward-json.js';
import { agentFor, httpRequest } from '../outbox/http-request.js';
import { QUEUES } from '../outbox/queues.js';
import { DeliveryError, type Target } from '../outbox/target.js';

export interface HttpSinkOptions {
  url: string;
  /** A Standard Webhooks key, `whsec_…`. */
  secret: string;
  timeoutMs: number;
  clock: Clock;
}

/**
 * The HTTP sink: a POST of the event JSON signed per Standard Webhooks (`webhook-id` = the event
 * id, so the receiver can drop a redelivery). Any 2xx is delivered; anything else is retried.
 */
export function httpSink(options: HttpSinkOptions): Target {
  const webhook = new Webhook(options.secret);
  const url = new URL(options.url);
  // One connection kept open: the relay sends one event at a time per sink, in order.
  const agent = agentFor(url, 1);
  return {
    name: QUEUES.http,
    describe: `http ${url.origin}${url.pathname}`,
    verb: 'forwarding',
    ordered: true,
    async deliver(item, stop) {
      const body = forwardJson(item.event);
      const at = new Date(options.clock.now());
      const { status } = await httpRequest(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'webhook-id': item.event.id,
          'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
          'webhook-signature': webhook.sign(item.event.id, at, body),
        },
        body,
        agent,
        timeoutMs: options.timeoutMs,
        stop,
        maxBytes: 0,
      });
      if (status < 200 || status > 299) throw new DeliveryError(`answered HTTP ${status}`);
    },
    async close() {
      agent.destroy();
    },
  };
}
