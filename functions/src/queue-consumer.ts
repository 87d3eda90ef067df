/**
 * The functions Worker's queue handler: the dead-letter queue goes to the archives; every other queue
 * is routed to the agents that subscribe to it, under admission control and operator controls, with
 * the platform operations counted and flushed to the ops ledger after the batch (at most once per flush
 * window, `OPS_FLUSH_WINDOW_MS`).
 */
import { DEAD_LETTER_QUEUE, QUEUE_NAMES } from '@promethean/shared/broker/bus-routes';
import type { DeadLetter } from '@promethean/shared/broker/queue-body';
import { QueueConsumerRouter } from '@promethean/shared/broker/queue-consumer-router';
import { consumeDeadLetters } from '../ops/dead-letter-consumer.ts';
import { afterBatch, countedRuntime, functionsOps } from '../ops/functions-ops.ts';
import { ledgerPort } from '../ops/ops-bindings.ts';
import { FUNCTION_AGENTS } from './agents.ts';
import { eventsBatchLanes } from './events-batch-lanes.ts';

/** The platform's backlog figure for the queue, when the batch carries one. */
function backlogOf(batch: MessageBatch<unknown>): { messages: number; at: number } | undefined {
  const count = batch.metadata?.metrics?.backlogCount;
  return typeof count === 'number' ? { messages: count, at: Date.now() } : undefined;
}

export async function consumeQueue(
  batch: MessageBatch<unknown>,
  env: FunctionsEnv,
  ctx: ExecutionContext,
): Promise<void> {
  const ops = functionsOps();
  ops.recorder.invocation();
  ops.recorder.queueRead(batch.queue, batch.messages.length, backlogOf(batch));
  const runtime = countedRuntime(env, ops);
  if (batch.queue === DEAD_LETTER_QUEUE) {
    await consumeDeadLetters(batch, runtime.env, ops);
    ctx.waitUntil(ops.flush(ledgerPort(env)));
    return;
  }
  await ops.refreshControls(ledgerPort(env));
  const router = new QueueConsumerRouter({
    agents: FUNCTION_AGENTS,
    broker: runtime.broker,
    deps: runtime.deps,
    deadLetters: {
      send: async (letter: DeadLetter) => {
        await runtime.env.DEAD_LETTERS.send(letter, { contentType: 'json' });
      },
    },
    name: 'promethean-functions',
    admission: ops.admission,
    controls: ops,
    observer: ops.observer(),
    // A crawl batch is small and each item mostly waits (its host's slot, the fetch): all at once.
    ...(batch.queue === QUEUE_NAMES.BUS_CRAWL && { concurrency: batch.messages.length }),
    ...(batch.queue === QUEUE_NAMES.BUS_EVENTS && {
      concurrency: eventsBatchLanes(env),
    }),
  });
  await router.consume(batch);
  // The messages are settled; reporting must not hold the batch open.
  ctx.waitUntil(afterBatch(env, ops, runtime));
}
