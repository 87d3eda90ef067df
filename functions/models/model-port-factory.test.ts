import { beforeEach, describe, expect, it } from 'vitest';
import { ModelConfigurationError } from './model-errors.ts';
import { createModelPort, resetModelNotices } from './model-port-factory.ts';
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
