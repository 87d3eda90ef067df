/** The functions Worker's queue handler: routes each message to the agents that subscribe to it. */

import { recordBatchHealth } from '@promethean/shared/agent/isolate-health';
import type { DeadLetter } from '@promethean/shared/broker/queue-body';
import { QueueConsumerRouter } from '@promethean/shared/broker/queue-consumer-router';
import { FUNCTION_AGENTS } from './agents.ts';

import { createFunctionsRuntime } from './runtime-dependencies.ts';

export async function consumeQueue(
  batch: MessageBatch<unknown>,
  env: FunctionsEnv,
  _ctx: ExecutionContext,
): Promise<void> {
  const { broker, deps } = createFunctionsRuntime(env);
  const router = new QueueConsumerRouter({
    agents: FUNCTION_AGENTS,
    broker,
    deps,
    deadLetters: {
      send: async (letter: DeadLetter) => {
        await env.DEAD_LETTERS.send(letter, { contentType: 'json' });
      },
    },
    name: 'promethean-functions',
  });
  recordBatchHealth(FUNCTION_AGENTS, await router.consume(batch));
}
