/** The online ModelPort against the model double over a real socket: all operations, and faults → error types. */
import { type ModelDouble, startModelDouble } from '@promethean/test/model-double/model-double';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ModelRequestError, ModelResponseError, ModelUnavailableError } from './model-errors.ts';
import { readModelSettings } from './model-settings.ts';
import { OpenAiModelPort } from './openai-model-port.ts';
import { encodeWav } from './wav-audio.ts';

let double: ModelDouble;
const scope = { provider: 'discord', tenant: 'duck' };

function port(overrides: Record<string, string> = {}) {
  const settings = readModelSettings({
    MODEL_BASE_URL: double.baseUrl,
    MODEL_API_KEY: 'sk-test',
    EMBED_DIMENSIONS: '64',
    VISION_MODEL: 'gpt-4o-2024-08-06',
    ...overrides,
  });
  return new OpenAiModelPort(settings, scope);
}

beforeAll(async () => {
  double = await startModelDouble();
});
afterAll(async () => {
  await double.stop();
});
beforeEach(() => {
  double.requests.length = 0;
  double.faults.clear();
});

describe('OpenAiModelPort against the model double', () => {
  it('completes with the system prompt first and the pinned model', async () => {
    const answer = await port().complete({
      system: 'You are Duck.',
      messages: [{ role: 'user', content: 'quack?' }],
      max_tokens: 64,
    });
    expect(answer).toEqual({
      model: 'gpt-4o-mini-2024-07-18',
      offline: false,
      // The double counts words as tokens: 3 + 1 in, 5 out.
      usage: { prompt_tokens: 4, completion_tokens: 5, total_tokens: 9 },
      finish_reason: 'stop',
      text: 'model-double reply from gpt-4o-mini-2024-07-18: quack?',
    });
    expect(double.requests[0]?.body).toEqual({
      model: 'gpt-4o-mini-2024-07-18',
      messages: [
        { role: 'system', content: 'You are Duck.' },
        { role: 'user', content: 'quack?' },
      ],
      max_tokens: 64,
    });
  });

  it('embeds many texts in one request, in order, with the pinned dimension', async () => {
    const answer = await port().embed(['ducks swim', 'geese fly', 'ducks swim']);
    expect(answer.model).toBe('text-embedding-3-small');
    expect(answer.dimension).toBe(64);
    expect(answer.vectors).toHaveLength(3);
    expect(answer.vectors[0]).toEqual(answer.vectors[2]);
    expect(double.requests).toHaveLength(1);
    expect(double.requests[0]?.body).toMatchObject({ encoding_format: 'base64', dimensions: 64 });
  });

  it('reads packed float32 vectors by default and JSON floats with EMBED_ENCODING=float, to the same values', async () => {
    const packed = await port().embed(['ducks swim', 'geese fly']);
    const floats = await port({ EMBED_ENCODING: 'float' }).embed(['ducks swim', 'geese fly']);
    expect(double.requests.map((r) => (r.body as { encoding_format?: string }).encoding_format)).toEqual([
      'base64',
      'float',
    ]);
    // Base64 carries float32: the same vector as the floats, rounded to float32, which is what Chroma stores.
    expect(packed.vectors).toEqual(floats.vectors.map((v) => Array.from(Float32Array.from(v))));
    expect(packed.vectors.every((v) => v.every((x) => typeof x === 'number' && Number.isFinite(x)))).toBe(
      true,
    );
  });

  it('refuses an EMBED_ENCODING it does not know, naming the variable', () => {
    expect(() => port({ EMBED_ENCODING: 'float16' })).toThrow(/EMBED_ENCODING/);
  });

  it('refuses vectors of another size than EMBED_DIMENSIONS', async () => {
    const p = port({ EMBED_MODEL: 'nomic-embed-text', EMBED_DIMENSIONS: '384' });
    await expect(p.embed(['x'])).rejects.toBeInstanceOf(ModelResponseError);
    expect(double.requests[0]?.body).not.toHaveProperty('dimensions');
  });

  it('transcribes a WAV with a language and a confidence', async () => {
    const wav = encodeWav(new Uint8Array(48_000), { sample_rate: 24_000, channels: 1 });
    const answer = await port().transcribe({ audio: wav, filename: 'seg-1.wav', language: 'en' });
    expect(answer.text).toBe('model double heard 1.00 seconds of audio in seg-1.wav');
    expect(answer.language).toBe('en');
    expect(answer.confidence).toBeCloseTo(Math.exp(-0.105), 6);
    expect(double.requests[0]?.body).toMatchObject({ response_format: 'verbose_json', model: 'whisper-1' });
  });

  it('synthesizes 24 kHz mono PCM, asking for response_format pcm', async () => {
    const answer = await port().synthesize({ text: 'quack' });
    expect(answer).toMatchObject({ model: 'tts-1', offline: false, sample_rate: 24_000, channels: 1 });
    expect(answer.pcm.byteLength).toBe(5 * 60 * 24 * 2);
    expect(double.requests[0]?.body).toEqual({
      model: 'tts-1',
      voice: 'alloy',
      input: 'quack',
      response_format: 'pcm',
    });
  });

  it('describes an image with the vision model, and answers undefined without one', async () => {
    const image = { bytes: new Uint8Array([1, 2, 3, 4, 5, 6]), content_type: 'image/png' };
    const answer = await port().describeImage(image);
    expect(answer?.model).toBe('gpt-4o-2024-08-06');
    expect(answer?.text).toContain('[an image: 6 bytes of image/png]');
    double.requests.length = 0;
    expect(await port({ VISION_MODEL: '' }).describeImage(image)).toBeUndefined();
    expect(double.requests).toHaveLength(0);
  });
});

describe('failures become the runtime error types, with model, operation and tenant', () => {
  it('429 with retry-after becomes ModelUnavailableError with the server wait', async () => {
    double.faults.add({ kind: 'status', status: 429, retry_after_s: 7 });
    const e = await port()
      .embed(['x'])
      .catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ModelUnavailableError);
    expect(e).toMatchObject({ retryAfterMs: 7000, operation: 'embed', model: 'text-embedding-3-small' });
    expect((e as Error).message).toContain('tenant=duck');
    expect(double.requests).toHaveLength(1); // the client did not retry on its own
  });

  it('retry-after-ms wins over retry-after', async () => {
    double.faults.add({ kind: 'status', status: 503, retry_after_ms: 1500, retry_after_s: 9 });
    await expect(
      port().complete({ system: 's', messages: [{ role: 'user', content: 'u' }] }),
    ).rejects.toMatchObject({
      name: 'ModelUnavailableError',
      retryAfterMs: 1500,
    });
  });

  it('500 without a hint is retriable with a default wait', async () => {
    double.faults.add({ kind: 'status', status: 500 });
    await expect(port().synthesize({ text: 'x' })).rejects.toMatchObject({
      name: 'ModelUnavailableError',
      retryAfterMs: 2000,
      operation: 'synthesize',
    });
  });

  it('a slow server past the timeout is retriable', async () => {
    double.faults.add({ kind: 'slow', delay_ms: 5_000 });
    await expect(port({ MODEL_TIMEOUT_MS: '200' }).embed(['x'])).rejects.toMatchObject({
      name: 'ModelUnavailableError',
      message: expect.stringContaining('timed out'),
    });
  });

  it('4xx is final: a bad key, a bad request', async () => {
    const bad = new OpenAiModelPort(
      readModelSettings({ MODEL_BASE_URL: double.baseUrl, MODEL_API_KEY: 'sk-x' }),
      scope,
    );
    double.faults.add({ kind: 'status', status: 401 });
    const e = await bad
      .complete({ system: 's', messages: [{ role: 'user', content: 'u' }] })
      .catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ModelRequestError);
    expect(e).toMatchObject({ status: 401, operation: 'complete', model: 'gpt-4o-mini-2024-07-18' });
    await expect(port().embed([''])).rejects.toMatchObject({ name: 'ModelRequestError', status: 400 });
  });

  it('an unreachable server is retriable', async () => {
    const gone = new OpenAiModelPort(
      readModelSettings({ MODEL_BASE_URL: 'http://127.0.0.1:9/v1', MODEL_API_KEY: 'sk-x' }),
      scope,
    );
    await expect(gone.embed(['x'])).rejects.toMatchObject({ name: 'ModelUnavailableError' });
  });
});
