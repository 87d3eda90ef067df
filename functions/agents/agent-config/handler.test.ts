import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkGoldenCase, goldenCases } from '@promethean/test/harness/golden-harness';
import { describe, expect, it } from 'vitest';
import { FUNCTION_AGENTS } from '../../src/agents.ts';

const here = dirname(fileURLToPath(import.meta.url));
const agentConfig = FUNCTION_AGENTS.find((a) => a.manifest.id === 'agent-config')!;

describe('agent-config golden fixtures', () => {
  it.each(goldenCases(here))('%s', async (name) => {
    const { actual, expected } = await checkGoldenCase(agentConfig, here, name);
    expect(actual).toEqual(expected);
  });
});
