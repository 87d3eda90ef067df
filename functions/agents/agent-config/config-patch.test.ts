/**
 * The properties config.patch promises, on the golden runtime (in-memory store, recording broker): a new
 * config_rev, validation, atomic application (a race for one revision loses nothing), visibility from the
 * next invocation and never half-way through one, an audit trail, and rollback.
 */
import { SocialMessageCreated } from '@promethean/schemas/events/social-message';
import { ConfigPatch } from '@promethean/schemas/ops/config-messages';
import { Health } from '@promethean/schemas/ops/ops-messages';
import { defineAgent } from '@promethean/shared/agent/agent-definition';
import { invokeAgent } from '@promethean/shared/agent/agent-invocation';
import { createEnvelope } from '@promethean/shared/agent/envelope-factory';
import { readTenantConfig } from '@promethean/shared/agent/tenant-config';
import type { DocumentStore } from '@promethean/shared/effects/document-store';
import { MemoryDocumentStore } from '@promethean/shared/effects/memory-document-store';
import { recordingRuntime } from '@promethean/test/harness/recording-runtime';
import { describe, expect, it } from 'vitest';
import { agentConfigAgent } from './handler.ts';

const scope = { provider: 'echo', tenant: 'demo' };
const T0 = Date.UTC(2026, 10, 20, 10);

/** A probe agent that reports the setting it runs with, before and after waiting on `pause`. */
function probeAgent(
  pause: () => Promise<void>,
  seen: Array<{ before: unknown; after: unknown; rev?: string }>,
) {
  return defineAgent(
    `id: probe
kind: stateless-worker
version: 1.0.0
description: reports its settings
binds: { providers: ['*'], tenants: ['*'] }
inputs:
  - topic: promethean.p.*.t.*.events.SocialMessageCreated
    schema: SocialMessageCreated
outputs:
  - topic: promethean.p.*.t.*.ops.health
    schema: health
capabilities: []
settings:
  depth: 1
  mode: calm
idempotency_key: '{provider}:{tenant}:{id}'
`,
    'probe.yml',
  )
    .on(SocialMessageCreated, async (_m, ctx) => {
      const before = ctx.settings.depth;
      await pause();
      seen.push({ before, after: ctx.settings.depth, ...(ctx.configRev && { rev: ctx.configRev }) });
      await ctx.effects.publish(Health, { agent: 'probe', state: 'RUNNING', ready: true, live: true });
    })
    .build();
}

let n = 0;
function message() {
  n++;
  return createEnvelope(
    SocialMessageCreated,
    {
      urn: `urn:echo:message:demo:${n}`,
      foreign_id: String(n),
      channel: { urn: 'urn:echo:channel:demo:general', foreign_id: 'general' },
      author: { urn: 'urn:echo:user:demo:ada', foreign_id: 'ada' },
      content: 'hi',
      created_at: '2026-11-20T09:00:00.000Z',
    },
    { src: 'test', ...scope, id: `msg-${n}` },
  );
}

function patch(id: string, payload: Partial<ReturnType<typeof ConfigPatch.payload.parse>>) {
  return createEnvelope(
    ConfigPatch,
    { agent: 'probe', actor: 'ops:ada', ...payload },
    { src: 'ops', ...scope, id },
  );
}

function setup(documents: DocumentStore = new MemoryDocumentStore(scope)) {
  let release: () => void = () => {};
  let paused: Promise<void> = Promise.resolve();
  const seen: Array<{ before: unknown; after: unknown; rev?: string }> = [];
  const probe = probeAgent(() => paused, seen);
  const config = agentConfigAgent(() => [probe]);
  const rt = recordingRuntime(T0, { documents });
  return {
    rt,
    probe,
    config,
    seen,
    documents,
    /** The next probe invocation stops after its first read until `resume()`. */
    hold: () => {
      paused = new Promise((r) => {
        release = r;
      });
    },
    resume: () => release(),
  };
}

describe('config.patch', () => {
  it('gives the change a new config_rev that the next invocation sees and stamps on its outputs', async () => {
    const s = setup();
    await invokeAgent(s.probe, message(), s.rt.deps);
    expect(await invokeAgent(s.config, patch('p1', { set: { depth: 4 } }), s.rt.deps)).toMatchObject({
      outcome: 'ok',
    });
    await invokeAgent(s.probe, message(), s.rt.deps);
    const config = await readTenantConfig(s.documents, scope);
    expect(config.config_rev).toMatch(/^r1-[0-9a-f]{8}$/);
    expect(s.seen).toEqual([
      { before: 1, after: 1 },
      { before: 4, after: 4, rev: config.config_rev },
    ]);
    const health = s.rt.recorder.published.filter((e) => e.intent === 'health');
    expect(health.map((e) => e.config_rev)).toEqual([undefined, config.config_rev]);
  });

  it('is never seen half-way through an invocation: a patch applied while a handler runs waits for the next one', async () => {
    const s = setup();
    s.hold();
    const running = invokeAgent(s.probe, message(), s.rt.deps);
    // Let the probe build its context and read its settings, then apply the patch under it.
    await new Promise((r) => setTimeout(r, 0));
    expect(await invokeAgent(s.config, patch('p1', { set: { depth: 7 } }), s.rt.deps)).toMatchObject({
      outcome: 'ok',
    });
    s.resume();
    await running;
    await invokeAgent(s.probe, message(), s.rt.deps);
    expect(s.seen.map(({ before, after }) => ({ before, after }))).toEqual([
      { before: 1, after: 1 },
      { before: 7, after: 7 },
    ]);
  });

  it('is validated against the manifest: a wrong type or unknown key changes nothing', async () => {
    const s = setup();
    await invokeAgent(s.config, patch('p1', { set: { depth: 2 } }), s.rt.deps);
    const refused = await invokeAgent(
      s.config,
      patch('p2', { set: { depth: 'deep', mode: 'calm' } }),
      s.rt.deps,
    );
    const unknown = await invokeAgent(s.config, patch('p3', { set: { colour: 'red' } }), s.rt.deps);
    const malformed = await invokeAgent(
      s.config,
      // A patch that changes nothing is refused at the payload boundary.
      { ...patch('p4', { set: { depth: 1 } }), payload: { agent: 'probe', actor: 'ops:ada' } },
      s.rt.deps,
    );
    expect([refused, unknown, malformed].map((o) => o.outcome)).toEqual(['failed', 'failed', 'failed']);
    const config = await readTenantConfig(s.documents, scope);
    expect(config.rev).toBe(1);
    expect(config.agents.probe).toEqual({ depth: 2 });
    await invokeAgent(s.probe, message(), s.rt.deps);
    expect(s.seen.at(-1)).toMatchObject({ before: 2 });
  });

  it('is applied atomically: two patches racing for one revision both land, one after the other', async () => {
    // Hold both patches' reads of the config until both have read it, so both build revision 1.
    const inner = new MemoryDocumentStore(scope);
    let waiting: Array<() => void> = [];
    let racing = true;
    const documents: DocumentStore = Object.assign(Object.create(inner), {
      get: async (collection: Parameters<DocumentStore['get']>[0], id: string) => {
        const doc = await inner.get(collection, id);
        if (racing && collection === 'config') {
          await new Promise<void>((r) => {
            waiting.push(r);
            if (waiting.length === 2) {
              for (const w of waiting) w();
              waiting = [];
            }
          });
        }
        return doc;
      },
      upsertMany: inner.upsertMany.bind(inner),
    });
    const s = setup(documents);
    // The runtime's own overlay read goes through the same store; only the handlers' reads are held.
    s.rt.deps.configOverlay = undefined;
    const [a, b] = await Promise.all([
      invokeAgent(s.config, patch('pa', { set: { depth: 3 } }), s.rt.deps),
      invokeAgent(s.config, patch('pb', { set: { mode: 'busy' } }), s.rt.deps),
    ]);
    racing = false;
    expect([a.outcome, b.outcome].sort()).toEqual(['ok', 'retry']);
    const loser =
      a.outcome === 'retry' ? patch('pa', { set: { depth: 3 } }) : patch('pb', { set: { mode: 'busy' } });
    expect(await invokeAgent(s.config, loser, s.rt.deps)).toMatchObject({ outcome: 'ok' });
    const config = await readTenantConfig(inner, scope);
    expect(config.rev).toBe(2);
    expect(config.agents.probe).toEqual({ depth: 3, mode: 'busy' });
    expect(config.history.map((h) => h.rev)).toEqual([1, 2]);
  });

  it('is audited: every revision keeps who, why and what changed, and config.applied says so on the bus', async () => {
    const s = setup();
    await invokeAgent(s.config, patch('p1', { set: { depth: 5 }, reason: 'deeper' }), s.rt.deps);
    await invokeAgent(s.config, patch('p2', { unset: ['depth'], actor: 'ops:bob' }), s.rt.deps);
    const config = await readTenantConfig(s.documents, scope);
    expect(config.history).toEqual([
      expect.objectContaining({
        rev: 1,
        actor: 'ops:ada',
        reason: 'deeper',
        changed: ['depth'],
        patch_id: 'p1',
      }),
      expect.objectContaining({ rev: 2, actor: 'ops:bob', changed: ['depth'], settings: {}, patch_id: 'p2' }),
    ]);
    const applied = s.rt.recorder.published.filter((e) => e.intent === 'config.applied');
    expect(applied.map((e) => e.payload)).toEqual([
      expect.objectContaining({
        config_rev: config.history[0]!.config_rev,
        previous_rev: null,
        actor: 'ops:ada',
      }),
      expect.objectContaining({ config_rev: config.config_rev, previous_rev: config.history[0]!.config_rev }),
    ]);
  });

  it('can be rolled back: the earlier settings return as a new revision the next invocation sees', async () => {
    const s = setup();
    await invokeAgent(s.config, patch('p1', { set: { depth: 2 } }), s.rt.deps);
    const first = (await readTenantConfig(s.documents, scope)).config_rev!;
    await invokeAgent(s.config, patch('p2', { set: { depth: 9, mode: 'busy' } }), s.rt.deps);
    await invokeAgent(s.probe, message(), s.rt.deps);
    expect(await invokeAgent(s.config, patch('p3', { rollback_to: first }), s.rt.deps)).toMatchObject({
      outcome: 'ok',
    });
    await invokeAgent(s.probe, message(), s.rt.deps);
    const config = await readTenantConfig(s.documents, scope);
    expect(config).toMatchObject({ rev: 3, agents: { probe: { depth: 2 } } });
    expect(config.history.at(-1)).toMatchObject({ rollback_of: first, changed: ['depth', 'mode'] });
    expect(s.seen.map((x) => x.before)).toEqual([9, 2]);
    // A revision that was never kept cannot be rolled back to.
    expect(
      await invokeAgent(s.config, patch('p4', { rollback_to: 'r99-00000000' }), s.rt.deps),
    ).toMatchObject({
      outcome: 'failed',
    });
  });
});
