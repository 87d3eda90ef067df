import { beforeEach, describe, expect, it } from 'vitest';
import { ModelConfigurationError } from './model-errors.ts';
import { configuredEmbedCache, createModelPort, resetModelNotices } from './model-port-factory.ts';
import { OFFLINE_EMBED_DIMENSION } from './offline-embedding.ts';
import { OfflineModelPort } from './offline-model-port.ts';
import { OpenAiModelPort } from './openai-model-port.ts';

beforeEach(() => resetModelNotices());

describe('createModelPort', () => {
  it('is offline without a key, and says so once per isolate', () => {
    const notices: Record<string, unknown>[] = [];
    const notice = (r: Record<string, unknown>) => notices.push(r);
    expect(createModelPort({}, { notice })).toBeInstanceOf(OfflineModelPort);
    expect(createModelPort({ MODEL_API_KEY: '' }, { notice })).toBeInstanceOf(OfflineModelPort);
    expect(notices).toHaveLength(1);
    expect(notices[0]?.msg).toMatch(/models are OFFLINE/);
  });

  it('is online with a key, reading the env on every call', () => {
    expect(createModelPort({ MODEL_API_KEY: 'sk-1' })).toBeInstanceOf(OpenAiModelPort);
    expect(createModelPort({})).toBeInstanceOf(OfflineModelPort);
  });

  it('fails loudly, on use, for invalid settings', async () => {
    const notices: Record<string, unknown>[] = [];
    const port = createModelPort(
      { MODEL_API_KEY: 'sk', EMBED_DIMENSIONS: 'many' },
      { notice: (r) => notices.push(r) },
    );
    await expect(async () => port.embed(['x'])).rejects.toBeInstanceOf(ModelConfigurationError);
    expect(notices[0]).toMatchObject({
      level: 'error',
      problem: expect.stringContaining('EMBED_DIMENSIONS'),
    });
  });
});

describe('configuredEmbedCache', () => {
  it('keys the cache by the model the port embeds with and the size it answers', () => {
    expect(
      configuredEmbedCache({
        MODEL_API_KEY: 'sk',
        EMBED_MODEL: 'text-embedding-3-large',
        EMBED_DIMENSIONS: '256',
      }),
    ).toMatchObject({ model: 'text-embedding-3-large', dimension: 256 });
    expect(configuredEmbedCache({})).toMatchObject({ dimension: OFFLINE_EMBED_DIMENSION });
  });

  it('is undefined for invalid settings (that port fails every call)', () => {
    expect(configuredEmbedCache({ MODEL_API_KEY: 'sk', EMBED_DIMENSIONS: 'many' })).toBeUndefined();
  });
});
