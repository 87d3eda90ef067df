/**
 * The access Worker's queue handler: commands for providers go to the access agents, under admission
 * control and operator controls; what it cost is counted and flushed to the ops ledger after the batch
 * (at most once per flush window, `OPS_FLUSH_WINDOW_MS`).
 */
import type { DeadLetter } from '@promethean/shared/broker/queue-body';
import { QueueConsumerRouter } from '@promethean/shared/broker/queue-consumer-router';
import { flushWindowMs } from '@promethean/shared/ops/isolate-ops';
import { ACCESS_AGENTS } from './access-agents.ts';
import { accessLedger, accessOps, countedAccessEnv } from './access-ops.ts';
import { createAccessRuntime } from './runtime-dependencies.ts';

export async function consumeAccessQueue(
  batch: MessageBatch<unknown>,
  env: AccessEnv,
  ctx: ExecutionContext,
): Promise<void> {
  const ops = accessOps();
  ops.recorder.invocation();
  const backlog = batch.metadata?.metrics?.backlogCount;
  ops.recorder.queueRead(
    batch.queue,
    batch.messages.length,
    typeof backlog === 'number' ? { messages: backlog, at: Date.now() } : undefined,
  );
  const counted = countedAccessEnv(env, ops);
  const ledger = accessLedger(env);
  if (ledger) await ops.refreshControls(ledger);
  const { broker, deps } = createAccessRuntime(counted);
  const router = new QueueConsumerRouter({
    agents: ACCESS_AGENTS,
    broker,
    deps,
    deadLetters: {
      send: async (letter: DeadLetter) => {
        await counted.DEAD_LETTERS.send(letter, { contentType: 'json' });
      },
    },
    name: 'promethean-access',
    admission: ops.admission,
    controls: ops,
    observer: ops.observer(),
  });
  await router.consume(batch);
  ctx.waitUntil(
    (async () => {
      await ops.publishHealth(broker);
      if (ledger) await ops.flushAfterBatch(ledger, flushWindowMs(env.OPS_FLUSH_WINDOW_MS));
    })(),
  );
}
