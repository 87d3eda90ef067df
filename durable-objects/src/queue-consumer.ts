/** The access Worker's queue handler: commands for providers go to the access agents. */

import { recordBatchHealth } from '@promethean/shared/agent/isolate-health';
import type { DeadLetter } from '@promethean/shared/broker/queue-body';
import { QueueConsumerRouter } from '@promethean/shared/broker/queue-consumer-router';
import { ACCESS_AGENTS } from './access-agents.ts';
import { createAccessRuntime } from './runtime-dependencies.ts';

export async function consumeAccessQueue(
  batch: MessageBatch<unknown>,
  env: AccessEnv,
  _ctx: ExecutionContext,
): Promise<void> {
  const { broker, deps } = createAccessRuntime(env);
  const router = new QueueConsumerRouter({
    agents: ACCESS_AGENTS,
    broker,
    deps,
    deadLetters: {
      send: async (letter: DeadLetter) => {
        await env.DEAD_LETTERS.send(letter, { contentType: 'json' });
      },
    },
    name: 'promethean-access',
  });
  recordBatchHealth(ACCESS_AGENTS, await router.consume(batch));
}
