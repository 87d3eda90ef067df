/**
 * The functions Worker's operations surface in workerd: /health and /ready, the admin status snapshot,
 * pausing and resuming an agent (its messages are deferred, not lost, then handled), the cron tick, and
 * the status-reporter agent answering through the real queue handler.
 */
import {
  createExecutionContext,
  createMessageBatch,
  createScheduledController,
  getQueueResult,
  waitOnExecutionContext,
} from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { SocialMessageCreated } from '@promethean/schemas/events/social-message';
import { InteractionStatus } from '@promethean/schemas/interactions/interaction-commands';
import { createEnvelope } from '@promethean/shared/agent/envelope-factory';
import { QUEUE_NAMES } from '@promethean/shared/broker/bus-routes';
import { OpsRecorder } from '@promethean/shared/ops/ops-recorder';
import { countedEnv } from '@promethean/shared/ops/platform-instrumentation';
import { describe, expect, it } from 'vitest';
import { functionsOps } from '../../../functions/ops/functions-ops.ts';
import { ledgerSnapshot } from '../../../functions/ops/ops-bindings.ts';
import { app } from '../../../functions/src/http-app.ts';
import worker from '../../../functions/src/index.ts';
import { DurableObjectDocumentStore } from '../../../functions/storage/durable-object-document-store.ts';

const ADMIN = 'routes-test-admin-token-0123456789abcdef0123456789';
const adminEnv = { ...env, ADMIN_TOKEN: ADMIN } as FunctionsEnv;
const auth = { authorization: `Bearer ${ADMIN}` };

function created(foreignId: string) {
  return createEnvelope(
    SocialMessageCreated,
    {
      urn: `urn:echo:message:demo:${foreignId}`,
      foreign_id: foreignId,
      channel: { urn: 'urn:echo:channel:demo:general', foreign_id: 'general' },
      author: { urn: 'urn:echo:user:demo:ada', foreign_id: 'ada' },
      content: 'hold this',
      created_at: '2026-11-20T10:00:00.000Z',
    },
    { src: 'test', provider: 'echo', tenant: 'demo' },
  );
}

async function deliver(id: string, body: unknown) {
  const batch = createMessageBatch('promethean-events', [{ id, timestamp: new Date(), attempts: 1, body }]);
  const ctx = createExecutionContext();
  await worker.queue(batch, env, ctx);
  return getQueueResult(batch, ctx);
}

const control = (agent: string, action: string, headers: Record<string, string> = auth) =>
  app.request(`/admin/agents/${agent}/${action}`, { method: 'POST', headers }, adminEnv);

describe('health and readiness', () => {
  it('GET /health is liveness: 200 with every agent, the status reporter included', async () => {
    const res = await app.request('/health', {}, env);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { live: boolean; agents: Array<{ agent: string; live: boolean }> };
    expect(body.live).toBe(true);
    expect(body.agents.map((a) => a.agent)).toContain('status-reporter');
  });

  it('GET /ready probes each agent’s stores through its own ports', async () => {
    const res = await app.request('/ready', {}, env);
    const body = (await res.json()) as {
      ready: boolean;
      agents: Array<{ agent: string; ready: boolean; checked: number; reason?: string }>;
    };
    expect(res.status).toBe(body.ready ? 200 : 503);
    const indexer = body.agents.find((a) => a.agent === 'message-indexer')!;
    expect(indexer.checked).toBeGreaterThan(0);
    expect(indexer).toMatchObject({ ready: true });
  });
});

describe('admin controls', () => {
  it('refuse without the admin token and name unknown agents or actions', async () => {
    expect((await control('message-indexer', 'pause', {})).status).toBe(401);
    expect((await control('no-such-agent', 'pause')).status).toBe(404);
    expect((await control('message-indexer', 'explode')).status).toBe(404);
  });

  it('pause an agent: its messages are deferred (acked, re-sent later, not lost); resume runs them again', async () => {
    const paused = await control('message-indexer', 'pause');
    expect(paused.status).toBe(200);
    expect(await paused.json()).toMatchObject({
      controls: [expect.objectContaining({ agent: 'message-indexer', state: 'paused' })],
    });
    const health = (await (await app.request('/health', {}, env)).json()) as {
      agents: Array<{ agent: string; state: string }>;
    };
    expect(health.agents.find((a) => a.agent === 'message-indexer')?.state).toBe('PAUSED');
    try {
      const result = await deliver('held-1', {
        v: 1,
        envelope: created('held-1'),
        target: 'message-indexer',
      });
      expect(result.explicitAcks).toEqual(['held-1']);
      const store = new DurableObjectDocumentStore(env.TENANT_DOCUMENTS, 'echo', 'demo');
      expect(await store.get('messages', 'held-1')).toBeUndefined();
      const stats = (await ledgerSnapshot(env)).agents.find((a) => a.agent === 'message-indexer');
      expect(stats?.deferred).toBeGreaterThanOrEqual(1);
    } finally {
      expect((await control('message-indexer', 'resume')).status).toBe(200);
    }
    expect(functionsOps().control('message-indexer')).toBeUndefined();
    const result = await deliver('held-2', { v: 1, envelope: created('held-2'), target: 'message-indexer' });
    expect(result.explicitAcks).toEqual(['held-2']);
    expect(
      await new DurableObjectDocumentStore(env.TENANT_DOCUMENTS, 'echo', 'demo').get('messages', 'held-2'),
    ).toBeDefined();
  });
});

describe('the status snapshot and the cron tick', () => {
  it('GET /admin/status gathers the ledger, this isolate and (here unreachable) the access layer', async () => {
    const res = await app.request('/admin/status', { headers: auth }, adminEnv);
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      functions: { health: unknown[] };
      ledger: unknown;
      access: unknown;
      access_error?: string;
    };
    expect(body.functions.health.length).toBeGreaterThan(0);
    expect(body.ledger).not.toBeNull();
    expect(body.access).toBeNull();
    expect(body.access_error).toBeTruthy();
  });

  it('the scheduled handler checks readiness and flushes every agent’s health to the ledger', async () => {
    const ctx = createExecutionContext();
    await worker.scheduled!(
      createScheduledController({ scheduledTime: new Date(), cron: '* * * * *' }),
      env,
      ctx,
    );
    await waitOnExecutionContext(ctx);
    const health = (await ledgerSnapshot(env)).health;
    const reporter = health.find((h) => h.agent === 'status-reporter');
    expect(reporter).toMatchObject({ worker: 'functions' });
    expect(reporter!.reports.some((r) => r.isolate === functionsOps().isolate)).toBe(true);
  });

  it('status-reporter answers /status through the real queue handler with the status port', async () => {
    const before = (await ledgerSnapshot(env)).agents.find((a) => a.agent === 'status-reporter')?.count ?? 0;
    const envelope = createEnvelope(
      InteractionStatus,
      {
        interaction_urn: 'urn:echo:interaction:demo:status-e2e',
        user: { urn: 'urn:echo:user:demo:ada', foreign_id: 'ada' },
        channel: { urn: 'urn:echo:channel:demo:general', foreign_id: 'general' },
        received_at: '2026-11-20T10:00:00.000Z',
      },
      { src: 'test', provider: 'echo', tenant: 'demo' },
    );
    const result = await deliver('status-1', { v: 1, envelope });
    expect(result.explicitAcks).toEqual(['status-1']);
    const stats = (await ledgerSnapshot(env)).agents.find((a) => a.agent === 'status-reporter');
    expect(stats).toMatchObject({ intent: 'interaction.status' });
    expect(stats!.count).toBe(before + 1);
    expect(stats!.errors).toBe(0);
  });
});

describe('counted bindings', () => {
  it('wrap queues and Durable Object namespaces, never a service binding (which answers every name)', async () => {
    const recorder = new OpsRecorder();
    const counted = countedEnv(env, recorder, QUEUE_NAMES) as FunctionsEnv;
    expect(counted.ACCESS).toBe(env.ACCESS);
    expect(counted.BUS_EVENTS).not.toBe(env.BUS_EVENTS);
    await ledgerSnapshot(counted);
    await new DurableObjectDocumentStore(counted.TENANT_DOCUMENTS, 'echo', 'demo').count('messages');
    const delta = recorder.takeDelta({ worker: 'functions', isolate: 'test', at: 0, health: [] });
    expect(delta.ops.durable_object_requests).toBe(2);
  });
});
