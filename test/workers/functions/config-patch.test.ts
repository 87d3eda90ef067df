/**
 * config.patch on the functions Worker's real wiring inside workerd: the agent-config agent writes the
 * tenant's revision into its TenantDocuments Durable Object, and the runtime's per-invocation overlay read
 * (what every agent's context is built from) sees it.
 */
import { env } from 'cloudflare:workers';
import { ConfigPatch } from '@promethean/schemas/ops/config-messages';
import { invokeAgent } from '@promethean/shared/agent/agent-invocation';
import { createEnvelope } from '@promethean/shared/agent/envelope-factory';
import { RecordingSink } from '@promethean/shared/agent/telemetry';
import { ProviderRegistry } from '@promethean/shared/platform/provider-registry';
import { PublishRecorder } from '@promethean/test/harness/recording-runtime';
import { describe, expect, it } from 'vitest';
import { FUNCTION_AGENTS } from '../../../functions/src/agents.ts';
import { createFunctionsRuntime } from '../../../functions/src/runtime-dependencies.ts';

const tenant = `cfg-${Math.random().toString(36).slice(2, 8)}`;
const registry = ProviderRegistry.fromYaml(`
version: 1
providers:
  echo:
    adapter: echo
    tenants:
      ${tenant}: {}
`);
const agentConfig = FUNCTION_AGENTS.find((a) => a.manifest.id === 'agent-config')!;

describe('config.patch in the Worker', () => {
  it('stores a revision that the next invocation of the patched agent is built from', async () => {
    const recorder = new PublishRecorder();
    const deps = {
      ...createFunctionsRuntime(env).deps,
      registry,
      broker: recorder,
      sink: new RecordingSink(),
    };
    const view = registry.tenant('echo', tenant);
    expect(await deps.configOverlay!(view, 'cephalon')).toBeUndefined();
    const patch = createEnvelope(
      ConfigPatch,
      { agent: 'cephalon', set: { reply_context_k: 2 }, actor: 'ops:test' },
      { src: 'ops', provider: 'echo', tenant, id: `patch-${tenant}` },
    );
    expect(await invokeAgent(agentConfig, patch, deps)).toMatchObject({ outcome: 'ok' });
    const overlay = await deps.configOverlay!(view, 'cephalon');
    expect(overlay).toMatchObject({
      config_rev: expect.stringMatching(/^r1-/),
      settings: { reply_context_k: 2 },
    });
    expect(recorder.published.map((e) => e.intent)).toEqual(['config.applied']);
    expect(recorder.published[0]!.config_rev).toBe(overlay!.config_rev);
  });
});
