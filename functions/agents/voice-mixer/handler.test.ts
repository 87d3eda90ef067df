import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkGoldenCase, goldenCases } from '@promethean/test/harness/golden-harness';
import { describe, expect, it } from 'vitest';
import { voiceMixer } from './handler.ts';

const here = dirname(fileURLToPath(import.meta.url));

describe('voice-mixer golden fixtures', () => {
  it.each(goldenCases(here))('%s', async (name) => {
    const { actual, expected } = await checkGoldenCase(voiceMixer, here, name);
    expect(actual).toEqual(expected);
  });
});
