import { SocialMessageCreated } from '@promethean/schemas/events/social-message';
import { recordingRuntime } from '@promethean/test/harness/recording-runtime';
import { describe, expect, it } from 'vitest';
import { defineAgent } from '../agent/agent-definition.ts';
import { EffectTimeoutError } from '../agent/agent-errors.ts';
import { invokeAgent } from '../agent/agent-invocation.ts';
import { createEnvelope } from '../agent/envelope-factory.ts';
import { FakeClock } from '../testing/fake-clock.ts';
import type { DocumentStore } from './document-store.ts';
import { DEFAULT_EFFECT_TIMEOUTS_MS, effectTimeoutMs } from './effect-timeouts.ts';

const agent = defineAgent(
  `id: patient
kind: stateless-worker
version: 1.0.0
description: reads a store that may hang
binds: { providers: ['*'], tenants: ['*'] }
inputs:
  - topic: promethean.p.*.t.*.events.SocialMessageCreated
    schema: SocialMessageCreated
capabilities: [storage.documents]
idempotency_key: '{provider}:{tenant}:{payload.foreign_id}'
`,
  'patient.yml',
)
  .on(SocialMessageCreated, async (_m, ctx) => {
    await ctx.effects.documents.count('messages');
  })
  .build();

const message = createEnvelope(
  SocialMessageCreated,
  {
    urn: 'urn:echo:message:demo:1',
    foreign_id: '1',
    channel: { urn: 'urn:echo:channel:demo:general', foreign_id: 'general' },
    author: { urn: 'urn:echo:user:demo:ada', foreign_id: 'ada' },
    content: 'hi',
    created_at: '2026-01-01T00:00:00.000Z',
  },
  { src: 'test', provider: 'echo', tenant: 'demo' },
);

/** A store whose count never answers (a hung connection). */
const hungStore = {
  count: () => new Promise<number>(() => {}),
  // The runtime reads the tenant's config revision first (config.patch); this tenant has none.
  get: async () => undefined,
} as unknown as DocumentStore;

describe('effect timeouts', () => {
  it('fail a hung effect with EffectTimeoutError after its bound, without waiting for the effect', async () => {
    const clock = new FakeClock(0);
    const rt = recordingRuntime(0, { documents: hungStore });
    rt.deps.effectTimeouts = { timeoutsMs: { documents: 500 }, scheduler: clock };
    const pending = invokeAgent(agent, message, rt.deps);
    let settled = false;
    void pending.then(() => {
      settled = true;
    });
    // Let the invocation reach the hung call (it reads the tenant's config revision first).
    await new Promise((r) => setImmediate(r));
    clock.advance(499);
    await new Promise((r) => setImmediate(r));
    expect(settled).toBe(false);
    clock.advance(1);
    const outcome = await pending; // resolves although the store never will
    expect(outcome).toMatchObject({ outcome: 'retry', code: 'timeout', delayMs: 1_000 });
    expect((outcome as { error: Error }).error).toBeInstanceOf(EffectTimeoutError);
    expect((outcome as { error: Error }).error.message).toMatch(
      /documents\.count did not answer within 500 ms/,
    );
  });

  it('cancel the timer as soon as the effect answers', async () => {
    const clock = new FakeClock(0);
    const rt = recordingRuntime(0);
    rt.deps.effectTimeouts = { scheduler: clock };
    expect(await invokeAgent(agent, message, rt.deps)).toMatchObject({ outcome: 'ok' });
    expect(clock.pendingTimers()).toEqual([]);
  });

  it('default to generous bounds for models and tight ones for stores, overridable per family', () => {
    expect(effectTimeoutMs('models')).toBe(DEFAULT_EFFECT_TIMEOUTS_MS.models);
    expect(DEFAULT_EFFECT_TIMEOUTS_MS.models).toBeGreaterThan(DEFAULT_EFFECT_TIMEOUTS_MS.documents);
    expect(effectTimeoutMs('documents', { timeoutsMs: { documents: 42 } })).toBe(42);
  });
});
