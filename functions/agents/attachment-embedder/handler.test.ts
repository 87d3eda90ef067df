import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkGoldenCase, goldenCases } from '@promethean/test/harness/golden-harness';
import { describe, expect, it } from 'vitest';
import { attachmentEmbedder } from './handler.ts';

const here = dirname(fileURLToPath(import.meta.url));

describe('attachment-embedder golden fixtures', () => {
  it.each(goldenCases(here))('%s', async (name) => {
    const { actual, expected } = await checkGoldenCase(attachmentEmbedder, here, name);
    expect(actual).toEqual(expected);
  });
});
