/** The access Worker's one way to build a bus producer: its queues, and its BUILD_SHA on what it sends. */
import type { BusRoute } from '@promethean/shared/broker/bus-routes';
import type { QueueBody } from '@promethean/shared/broker/queue-body';
import { QueueBroker } from '@promethean/shared/broker/queue-broker';

type AccessQueue = 'BUS_EVENTS' | 'BUS_ACCESS' | 'BUS_VOICE';

/**
 * A broker over the named queue bindings. Every envelope it sends carries `build_sha` (agent outputs
 * already have it from the runtime; gateway events, echo messages and health get it here).
 */
export function accessBroker(
  env: AccessEnv,
  queues: readonly AccessQueue[],
  routes?: readonly BusRoute[],
): QueueBroker {
  return new QueueBroker({
    queues: Object.fromEntries(queues.map((q) => [q, env[q] as Queue<QueueBody>])),
    ...(routes !== undefined && { routes }),
    ...(env.BUILD_SHA ? { buildSha: env.BUILD_SHA } : {}),
  });
}
