import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkGoldenCase, goldenCases } from '@promethean/test/harness/golden-harness';
import { describe, expect, it } from 'vitest';
import { storeMover } from './handler.ts';

const here = dirname(fileURLToPath(import.meta.url));

describe('store-mover golden fixtures', () => {
  it.each(goldenCases(here))('%s', async (name) => {
    const { actual, expected } = await checkGoldenCase(storeMover, here, name);
    expect(actual).toEqual(expected);
  });
});
