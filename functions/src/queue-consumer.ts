/** The functions Worker's queue handler: routes each message to the agents that subscribe to it. */
import type { DeadLetter } from '@promethean/shared/broker/queue-body';
import { QueueConsumerRouter, type SettlementRecord } from '@promethean/shared/broker/queue-consumer-router';
import { FUNCTION_AGENTS } from './agents.ts';
import { healthOf } from './isolate-health.ts';
import { createFunctionsRuntime } from './runtime-dependencies.ts';

function recordHealth(report: Map<string, SettlementRecord>): void {
  const failures = [...report.values()].filter((s) => s.settlement === 'dead_letter').length;
  for (const agent of FUNCTION_AGENTS) {
    for (let i = 0; i < failures; i++) healthOf(agent).recordOutcome(false);
    if (failures < report.size) healthOf(agent).recordOutcome(true);
  }
}

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
  recordHealth(await router.consume(batch));
}
