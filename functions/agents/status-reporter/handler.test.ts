import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InteractionStatus } from '@promethean/schemas/interactions/interaction-commands';
import { defineAgent } from '@promethean/shared/agent/agent-definition';
import { checkGoldenCase, goldenCases, runGoldenCase } from '@promethean/test/harness/golden-harness';
import { describe, expect, it } from 'vitest';
import { statusReporter } from './handler.ts';

const here = dirname(fileURLToPath(import.meta.url));

describe('status-reporter golden fixtures', () => {
  it.each(goldenCases(here))('%s', async (name) => {
    const { actual, expected } = await checkGoldenCase(statusReporter, here, name);
    expect(actual).toEqual(expected);
  });
});

describe('the status port', () => {
  it('is refused to an agent whose manifest does not hold ops.read, before anything is read', async () => {
    let reads = 0;
    const nosy = defineAgent(
      `id: nosy
kind: stateless-worker
version: 1.0.0
description: wants the status without the capability
binds: { providers: ['*'], tenants: ['*'] }
inputs:
  - topic: promethean.p.*.t.*.events.interaction.status
    schema: interaction.status
idempotency_key: '{payload.interaction_urn}'
`,
      'nosy.yml',
    )
      .on(InteractionStatus, async (msg, ctx) => {
        await ctx.effects.status.tenantStatus({ provider: msg.provider, tenant: msg.tenant });
        reads++;
      })
      .build();
    const input = JSON.parse(readFileSync(`${here}/fixtures/in/healthy-discord.json`, 'utf8'));
    const out = await runGoldenCase(nosy, input);
    expect(out).toMatchObject({ outcome: 'failed', error_code: 'policy_denied' });
    expect(out.policy).toEqual([{ capability: 'ops.read', allowed: false, detail: 'status.tenantStatus' }]);
    expect(reads).toBe(0);
  });
});
