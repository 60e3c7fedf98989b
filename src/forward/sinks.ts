import type { Clock } from '../clock.js';
import type { Config } from '../config.js';
import type { QueueRegistry } from '../outbox/queues.js';
import { httpSink } from './http-sink.js';
import { natsSink } from './nats-sink.js';

/** Registers the forwarding sinks the configuration turns on (none by default): every new event enters each, due at once. */
export function registerSinks(registry: QueueRegistry, config: Config, clock: Clock): void {
  const { forward } = config;
  const atOnce = (event: { receivedAt: string }) => Date.parse(event.receivedAt);
  if (forward.http) {
    const http = forward.http;
    registry.register({
      name: 'http',
      kind: 'sink',
      route: atOnce,
      target: () => httpSink({ ...http, timeoutMs: forward.timeoutMs, clock }),
    });
  }
  if (forward.nats) {
    const nats = forward.nats;
    registry.register({ name: 'nats', kind: 'sink', route: atOnce, target: () => natsSink({ ...nats, timeoutMs: forward.timeoutMs }) });
  }
}
