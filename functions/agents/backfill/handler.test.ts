import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkGoldenCase, goldenCases } from '@promethean/test/harness/golden-harness';
import { describe, expect, it } from 'vitest';
import { backfill } from './handler.ts';

const here = dirname(fileURLToPath(import.meta.url));

describe('backfill golden fixtures', () => {
  it.each(goldenCases(here))('%s', async (name) => {
    const { actual, expected } = await checkGoldenCase(backfill, here, name);
    expect(actual).toEqual(expected);
  });
});
