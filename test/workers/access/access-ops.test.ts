/**
 * The access Worker's operations: it flushes what each batch cost to the ops ledger in promethean-functions
 * (here the stand-in named like it, bound cross-script exactly as in production), holds an agent's
 * messages while an operator has it paused, and answers the status RPC and /health, /ready.
 */
import { createExecutionContext, createMessageBatch, getQueueResult } from 'cloudflare:test';
import { env, exports } from 'cloudflare:workers';
import { PostMessage } from '@promethean/schemas/commands/post-message';
import { createEnvelope } from '@promethean/shared/agent/envelope-factory';
import { AccessStatus } from '@promethean/shared/ops/access-status';
import { OpsDelta } from '@promethean/shared/ops/ops-delta';
import { describe, expect, it } from 'vitest';
import { accessOps } from '../../../durable-objects/src/access-ops.ts';
import AccessWorker from '../../../durable-objects/src/index.ts';

interface StandIn {
  received(): Promise<unknown[]>;
  setControls(controls: unknown[]): Promise<void>;
}

function ledger(): StandIn {
  const ns = (env as unknown as { OPS_LEDGER: DurableObjectNamespace }).OPS_LEDGER;
  return ns.get(ns.idFromName('global')) as unknown as StandIn;
}

function post(key: string) {
  const envelope = createEnvelope(
    PostMessage,
    { channel: { foreign_id: 'general' }, content: `ops ${key}`, idempotency_key: key },
    { src: 'test', provider: 'echo', tenant: 'demo' },
  );
  return { id: `m-${key}`, timestamp: new Date(), attempts: 1, body: { v: 1, envelope } };
}

async function runBatch(messages: ReturnType<typeof post>[]) {
  const batch = createMessageBatch('promethean-access-commands', messages);
  const ctx = createExecutionContext();
  await new AccessWorker(ctx, env).queue(batch);
  return getQueueResult(batch, ctx);
}

describe('access Worker operations', () => {
  it('flushes one delta per batch to the ops ledger: reads, Durable Object requests, health', async () => {
    const before = (await ledger().received()).length;
    const result = await runBatch([post('flush-1'), post('flush-2')]);
    expect(result.explicitAcks.sort()).toEqual(['m-flush-1', 'm-flush-2']);
    const received = await ledger().received();
    expect(received.length).toBe(before + 1);
    const delta = OpsDelta.parse(received.at(-1));
    expect(delta.worker).toBe('access');
    expect(delta.queues.find((q) => q.queue === 'promethean-access-commands')).toMatchObject({
      read: 2,
      acked: 2,
    });
    expect(delta.agents.find((a) => a.agent === 'echo-access')).toMatchObject({
      intent: 'PostMessage',
      count: 2,
      errors: 0,
    });
    // Two EchoConversation posts, the control read before the batch and the flush itself.
    expect(delta.ops.durable_object_requests).toBeGreaterThanOrEqual(3);
    expect(delta.ops.messages_processed).toBe(2);
    expect(delta.health.map((h) => h.agent)).toContain('echo-access');
  });

  it('defers a paused agent’s messages instead of running them, and reports it PAUSED', async () => {
    await ledger().setControls([{ agent: 'echo-access', state: 'paused', reason: 'maintenance', at: 1 }]);
    accessOps().invalidateControls(); // the next batch reads them now, not after the cache TTL
    try {
      const result = await runBatch([post('paused-1')]);
      expect(result.explicitAcks).toEqual(['m-paused-1']); // acked because a delayed copy was re-sent
      const stub = env.ECHO_CONVERSATION.get(env.ECHO_CONVERSATION.idFromName('demo'));
      expect((await stub.transcript('general')).some((l) => l.content === 'ops paused-1')).toBe(false);
      const health = await (await exports.default.fetch('http://access.test/health')).json();
      expect(health).toMatchObject({
        agents: expect.arrayContaining([expect.objectContaining({ agent: 'echo-access', state: 'PAUSED' })]),
      });
    } finally {
      await ledger().setControls([]);
      accessOps().applyControls([]);
    }
  });

  it('answers the status RPC with every tenant’s REST budget and realtime sessions', async () => {
    const ctx = createExecutionContext();
    const status = AccessStatus.parse(await new AccessWorker(ctx, env).accessStatus());
    const duck = status.tenants.find((t) => t.provider === 'discord' && t.tenant === 'duck');
    expect(duck?.error).toBeUndefined();
    expect(duck?.rest?.budget).toMatchObject({ breaker_open: false });
    expect(duck?.realtime).toEqual([expect.objectContaining({ shard: 0, connected: false })]);
    expect(status.tenants.find((t) => t.provider === 'echo')).toMatchObject({ rest: null, realtime: [] });
  });

  it('is live and ready when its tenants’ REST objects answer with enabled tokens', async () => {
    const health = await exports.default.fetch('http://access.test/health');
    expect(health.status).toBe(200);
    const ready = await exports.default.fetch('http://access.test/ready');
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ ready: true });
  });
});
