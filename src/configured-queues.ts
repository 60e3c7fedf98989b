import type { Clock } from './clock.js';
import type { Config } from './config.js';
import { registerFollowUps } from './fetch/follow-ups.js';
import { registerSinks } from './forward/sinks.js';
import { createQueueRegistry, type QueueRegistry } from './outbox/queues.js';

/** The outbox's queues for this configuration: the sinks (forward/), then the follow-up fetches (fetch/). */
export function configuredQueues(config: Config, clock: Clock): QueueRegistry {
  const registry = createQueueRegistry();
  registerSinks(registry, config, clock);
  registerFollowUps(registry, config, clock);
  return registry;
}
