import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkGoldenCase, goldenCases } from '@promethean/test/harness/golden-harness';
import { describe, expect, it } from 'vitest';
import { webSummarizer } from './handler.ts';

const here = dirname(fileURLToPath(import.meta.url));

describe('web-summarizer golden fixtures', () => {
  it.each(goldenCases(here))('%s', async (name) => {
    const { actual, expected } = await checkGoldenCase(webSummarizer, here, name);
    expect(actual).toEqual(expected);
  });
});
