import type { Clock } from '../clock.js';
import type { ForwardConfig } from '../config.js';
import type { NewEvent, OutboxEntry } from '../store/event-store.js';
import { httpSink } from './http-sink.js';
import { natsSink } from './nats-sink.js';
import type { Target } from './target.js';

/** The sinks the configuration turns on (none by default). */
export function forwardTargets(config: ForwardConfig, clock: Clock): Target[] {
  const targets: Target[] = [];
  if (config.http) targets.push(httpSink({ ...config.http, timeoutMs: config.timeoutMs, clock }));
  if (config.nats) targets.push(natsSink({ ...config.nats, timeoutMs: config.timeoutMs }));
  return targets;
}

/** Every newly stored event is queued for every target, due at once. */
export function routeToAll(targets: Target[]): ((event: NewEvent) => OutboxEntry[]) | undefined {
  if (targets.length === 0) return undefined;
  return (event) => {
    const notBefore = Date.parse(event.receivedAt);
    return targets.map((t) => ({ sink: t.name, notBefore }));
  };
}
