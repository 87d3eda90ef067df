import { SocialMessageCreated } from '@promethean/schemas/events/social-message';
import { CAPABILITIES, type Capability } from '@promethean/schemas/manifest';
import { recordingRuntime } from '@promethean/test/harness/recording-runtime';
import { describe, expect, it } from 'vitest';
import { defineAgent } from './agent-definition.ts';
import { PolicyDeniedError } from './agent-errors.ts';
import { invokeAgent } from './agent-invocation.ts';
import { createEnvelope, randomIds } from './envelope-factory.ts';
import { loadManifest } from './manifest-loader.ts';
import { Policy } from './policy.ts';
import type { RuntimeContext } from './runtime-context.ts';

function manifestText(capabilities: readonly string[], kind = 'stateless-worker', outputs = ''): string {
  return `id: probe
kind: ${kind}
version: 1.0.0
description: probe
binds: { providers: ['*'], tenants: ['*'] }
inputs:
  - topic: promethean.p.*.t.*.events.SocialMessageCreated
    schema: SocialMessageCreated
${outputs}capabilities: [${capabilities.join(', ')}]
settings: { reply_style: terse, limits: { max: 3 } }
idempotency_key: '{provider}:{tenant}:{payload.foreign_id}'
`;
}

const message = (id = '1') =>
  createEnvelope(
    SocialMessageCreated,
    {
      urn: `urn:echo:message:demo:${id}`,
      foreign_id: id,
      channel: { urn: 'urn:echo:channel:demo:general', foreign_id: 'general' },
      author: { urn: 'urn:echo:user:demo:ada', foreign_id: 'ada' },
      content: 'hi',
      created_at: '2026-01-01T00:00:00.000Z',
    },
    { src: 'test', provider: 'echo', tenant: 'demo', corr: 'c1' },
  );

describe('Policy', () => {
  const workerCapabilities = CAPABILITIES.filter((c) => !c.startsWith('provider.'));
  it.each(workerCapabilities)('grants %s only when the manifest declares it', (cap) => {
    const granted = new Policy(loadManifest(manifestText([cap]), 'x.yml'), {});
    expect(() => granted.require(cap)).not.toThrow();
    const denied = new Policy(loadManifest(manifestText([]), 'x.yml'), { tenant: 'demo' });
    expect(() => denied.require(cap)).toThrow(PolicyDeniedError);
  });

  it.each(CAPABILITIES.filter((c) => c.startsWith('provider.')))(
    'keeps %s for provider-access agents',
    (cap) => {
      const access = new Policy(loadManifest(manifestText([cap], 'provider-access'), 'x.yml'), {});
      expect(() => access.require(cap)).not.toThrow();
      // A stateless worker cannot even declare it; forced past the schema, the policy still refuses.
      const forced = { ...loadManifest(manifestText([]), 'x.yml'), capabilities: [cap as Capability] };
      expect(() => new Policy(forced, {}).require(cap)).toThrow(/only provider-access/);
    },
  );

  it('allows publishing to declared outputs and to ops.health / ops.error only', () => {
    const outputs = '  - topic: promethean.p.*.t.*.events.reply.message\n    schema: reply.message\n';
    const p = new Policy(
      loadManifest(manifestText([], 'stateless-worker', `outputs:\n${outputs}`), 'x.yml'),
      {},
    );
    expect(() => p.requirePublish('promethean.p.echo.t.demo.events.reply.message')).not.toThrow();
    expect(() => p.requirePublish('promethean.p.echo.t.demo.ops.error')).not.toThrow();
    expect(() => p.requirePublish('promethean.p.echo.t.demo.commands.PostMessage')).toThrow(
      PolicyDeniedError,
    );
    expect(p.calls().map((c) => c.allowed)).toEqual([true, true, false]);
  });
});

describe('a policy denial', () => {
  it('becomes an error event and the denied effect never runs', async () => {
    const agent = defineAgent(manifestText([]), 'x.yml')
      .on(SocialMessageCreated, async (_m, ctx) => {
        await ctx.effects.documents.upsertMany('messages', []);
      })
      .build();
    const rt = recordingRuntime(0);
    let touched = false;
    rt.deps.ports = {
      documents: {
        upsertMany: async () => {
          touched = true;
          return { written: 0, unchanged: 0 };
        },
        get: async () => undefined,
        getMany: async () => [],
        find: async () => [],
        count: async () => 0,
      },
    };
    const outcome = await invokeAgent(agent, message(), rt.deps);
    expect(outcome).toMatchObject({ outcome: 'failed', code: 'policy_denied' });
    expect(touched).toBe(false);
    expect(rt.recorder.published).toMatchObject([
      { intent: 'error', payload: { code: 'policy_denied', agent: 'probe' } },
    ]);
  });
});

describe('the runtime context', () => {
  function capture() {
    const contexts: RuntimeContext[] = [];
    const agent = defineAgent(manifestText(['storage.documents']), 'x.yml')
      .on(SocialMessageCreated, async (_m, ctx) => {
        contexts.push(ctx);
      })
      .build();
    return { agent, contexts };
  }

  it('is frozen all the way down, and mutation attempts throw', async () => {
    const { agent, contexts } = capture();
    const rt = recordingRuntime(0);
    expect((await invokeAgent(agent, message(), rt.deps)).outcome).toBe('ok');
    const ctx = contexts[0]!;
    for (const part of [
      ctx,
      ctx.agent,
      ctx.settings,
      ctx.settings.limits,
      ctx.message,
      ctx.message.payload,
      ctx.effects,
      ctx.tenantView,
    ]) {
      expect(Object.isFrozen(part)).toBe(true);
    }
    expect(() => {
      (ctx as { tenant: string }).tenant = 'other';
    }).toThrow(TypeError);
    expect(() => {
      (ctx.settings as Record<string, unknown>).reply_style = 'loud';
    }).toThrow(TypeError);
  });

  it('hands out each effect family as one frozen, policy-checked object, publish detachable', async () => {
    const { agent, contexts } = capture();
    const rt = recordingRuntime(0);
    await invokeAgent(agent, message(), rt.deps);
    const { effects } = contexts[0]!;
    expect(effects.documents).toBe(effects.documents);
    for (const family of [effects.documents, effects.models, effects.provider, effects.http]) {
      expect(Object.isFrozen(family)).toBe(true);
    }
    // Not in the probe's capabilities: refused at the call, as before, whenever the family was first reached.
    expect(() => effects.vectors.count('messages')).toThrow(PolicyDeniedError);
    await expect(Promise.resolve().then(() => effects.models.embed(['x']))).rejects.toThrow(
      PolicyDeniedError,
    );
    const { publish } = effects;
    await expect(publish(SocialMessageCreated, message('9').payload)).rejects.toThrow(PolicyDeniedError);
  });

  it('gives concurrent invocations distinct runtime ids and tags every log line with them', async () => {
    const { agent, contexts } = capture();
    const rt = recordingRuntime(0);
    rt.deps.runtimeIds = randomIds;
    await Promise.all(Array.from({ length: 50 }, (_, i) => invokeAgent(agent, message(String(i)), rt.deps)));
    expect(new Set(contexts.map((c) => c.runtimeId)).size).toBe(50);
    const handled = rt.sink.records.filter((r) => r.msg === 'handled');
    expect(handled).toHaveLength(50);
    for (const r of handled) {
      expect(r).toMatchObject({
        agent: 'probe',
        provider: 'echo',
        tenant: 'demo',
        intent: 'SocialMessageCreated',
        corr: 'c1',
        outcome: 'ok',
      });
      expect(typeof r.latency_ms).toBe('number');
    }
  });

  it('snapshots settings without touching shared configuration', async () => {
    const { agent, contexts } = capture();
    const rt = recordingRuntime(0);
    rt.deps.settings = { reply_style: 'deployment' };
    await invokeAgent(agent, message(), rt.deps);
    expect(contexts[0]!.settings).toMatchObject({
      reply_style: 'deployment',
      limits: { max: 3 },
      bot_user_id: '100',
    });
    expect(agent.manifest.settings).toEqual({ reply_style: 'terse', limits: { max: 3 } });
    expect(rt.deps.registry.tenant('echo', 'demo').config.settings).toEqual({ bot_user_id: '100' });
    expect(contexts[0]!.secrets).toBeUndefined();
  });

  it('shares one frozen settings copy within a runtime until a layer is replaced', async () => {
    const { agent, contexts } = capture();
    const rt = recordingRuntime(0);
    await invokeAgent(agent, message('1'), rt.deps);
    await invokeAgent(agent, message('2'), rt.deps);
    expect(contexts[1]!.settings).toBe(contexts[0]!.settings);
    rt.deps.settings = { reply_style: 'deployment' };
    await invokeAgent(agent, message('3'), rt.deps);
    expect(contexts[2]!.settings).not.toBe(contexts[0]!.settings);
    expect(contexts[2]!.settings.reply_style).toBe('deployment');
    // A config.patch is read as a new overlay object: the next invocation sees it.
    let rev = 0;
    rt.deps.configOverlay = async () => ({
      config_rev: `r${++rev}`,
      settings: { reply_style: `patch ${rev}` },
    });
    await invokeAgent(agent, message('4'), rt.deps);
    await invokeAgent(agent, message('5'), rt.deps);
    expect(contexts.slice(3).map((c) => c.settings.reply_style)).toEqual(['patch 1', 'patch 2']);
    expect(Object.isFrozen(contexts[4]!.settings)).toBe(true);
  });
});

describe('one delivery shared by several agents', () => {
  it('hands each handler a frozen copy, so no agent can change what another sees', async () => {
    const raw = message('77');
    const seen: string[] = [];
    const mutator = defineAgent(manifestText([]), 'mutator.yml')
      .on(SocialMessageCreated, async (msg) => {
        expect(Object.isFrozen(msg.payload)).toBe(true);
        expect(() => {
          (msg.payload as { content: string }).content = 'changed';
        }).toThrow(TypeError);
      })
      .build();
    const reader = defineAgent(manifestText([]), 'reader.yml')
      .on(SocialMessageCreated, async (msg) => void seen.push(msg.payload.content))
      .build();
    const rt = recordingRuntime(0);
    expect((await invokeAgent(mutator, raw, rt.deps)).outcome).toBe('ok');
    expect((await invokeAgent(reader, raw, rt.deps)).outcome).toBe('ok');
    expect(seen).toEqual(['hi']);
  });
});

describe('build_sha', () => {
  const outputs =
    '  - topic: promethean.p.*.t.*.events.SocialMessageCreated\n    schema: SocialMessageCreated\n';
  const echoing = () =>
    defineAgent(manifestText([], 'stateless-worker', `outputs:\n${outputs}`), 'x.yml')
      .on(SocialMessageCreated, async (m, ctx) => {
        await ctx.effects.publish(SocialMessageCreated, { ...m.payload, foreign_id: '2' });
      })
      .build();

  it('is stamped from the deployed version on what an agent publishes and on its error events', async () => {
    const rt = recordingRuntime(0);
    rt.deps.buildSha = '0123abc';
    expect((await invokeAgent(echoing(), message(), rt.deps)).outcome).toBe('ok');
    const denied = defineAgent(manifestText([]), 'x.yml')
      .on(SocialMessageCreated, async (_m, ctx) => {
        await ctx.effects.documents.count('messages', {});
      })
      .build();
    await invokeAgent(denied, message(), rt.deps);
    expect(rt.recorder.published.map((e) => [e.intent, e.build_sha])).toEqual([
      ['SocialMessageCreated', '0123abc'],
      ['error', '0123abc'],
    ]);
  });

  it('is absent when the runtime knows no version', async () => {
    const rt = recordingRuntime(0);
    await invokeAgent(echoing(), message(), rt.deps);
    expect(rt.recorder.published).toHaveLength(1);
    expect(rt.recorder.published[0]).not.toHaveProperty('build_sha');
  });
});
