/** The double speaks the OpenAI protocol: the real `openai` client over a real socket, all four operations. */
import { encodeWav } from '@promethean/functions/models/wav-audio';
import OpenAI, { toFile } from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type ModelDouble, startModelDouble } from './model-double.ts';

let double: ModelDouble;
let client: OpenAI;

beforeAll(async () => {
  double = await startModelDouble({ apiKey: 'sk-double-test-key' });
  client = new OpenAI({ apiKey: 'sk-double-test-key', baseURL: double.baseUrl, maxRetries: 0 });
});
afterAll(async () => {
  await double.stop();
});
beforeEach(() => {
  double.requests.length = 0;
  double.faults.clear();
});

const oneSecondWav = () => encodeWav(new Uint8Array(32_000), { sample_rate: 16_000, channels: 1 });

describe('model double with the openai client', () => {
  it('answers a chat completion deterministically', async () => {
    const ask = () =>
      client.chat.completions.create({
        model: 'gpt-4o-mini-2024-07-18',
        messages: [
          { role: 'system', content: 'be brief' },
          { role: 'user', content: 'what is a duck?' },
        ],
        max_tokens: 50,
      });
    const [a, b] = [await ask(), await ask()];
    expect(a.choices[0]?.message.content).toBe(
      'model-double reply from gpt-4o-mini-2024-07-18: what is a duck?',
    );
    expect(b.choices[0]?.message.content).toBe(a.choices[0]?.message.content);
    expect(double.requests.map((r) => [r.path, r.status])).toEqual([
      ['/v1/chat/completions', 200],
      ['/v1/chat/completions', 200],
    ]);
    expect(double.requests[0]?.headers.authorization).toBe('Bearer …-key');
  });

  it('embeds with the client default (base64) and with floats, identically', async () => {
    const input = ['the duck swims', 'a duck is swimming'];
    const base64 = await client.embeddings.create({ model: 'text-embedding-3-small', input, dimensions: 64 });
    const floats = await client.embeddings.create({
      model: 'text-embedding-3-small',
      input,
      dimensions: 64,
      encoding_format: 'float',
    });
    expect(base64.data).toHaveLength(2);
    expect(Array.from(base64.data[0]?.embedding ?? []).length).toBe(64);
    const a = Array.from(base64.data[0]?.embedding ?? []);
    const b = floats.data[0]?.embedding ?? [];
    for (const [i, x] of a.entries()) expect(x).toBeCloseTo(b[i] ?? Number.NaN, 6);
    expect(double.requests[0]?.body).toMatchObject({ encoding_format: 'base64' });
  });

  it('transcribes a multipart upload in json and verbose_json', async () => {
    const file = await toFile(oneSecondWav(), 'segment.wav', { type: 'audio/wav' });
    const json = await client.audio.transcriptions.create({ file, model: 'whisper-1' });
    expect(json.text).toBe('model double heard 1.00 seconds of audio in segment.wav');
    const verbose = await client.audio.transcriptions.create({
      file: await toFile(oneSecondWav(), 'segment.wav'),
      model: 'whisper-1',
      response_format: 'verbose_json',
      language: 'en',
    });
    expect(verbose.duration).toBe(1);
    expect(verbose.segments?.[0]?.avg_logprob).toBeLessThan(0);
    expect(double.requests[1]?.body).toMatchObject({
      model: 'whisper-1',
      response_format: 'verbose_json',
      language: 'en',
      file: { name: 'segment.wav', size: 32_044 },
    });
  });

  it('synthesizes PCM proportional to the text', async () => {
    const short = await client.audio.speech.create({
      model: 'tts-1',
      voice: 'alloy',
      input: 'hi',
      response_format: 'pcm',
    });
    const long = await client.audio.speech.create({
      model: 'tts-1',
      voice: 'alloy',
      input: 'hello there, duck',
      response_format: 'pcm',
    });
    const a = new Uint8Array(await short.arrayBuffer());
    const b = new Uint8Array(await long.arrayBuffer());
    expect(a.byteLength).toBe(2 * 60 * 24 * 2); // 2 characters × 60 ms × 24 samples/ms × 2 bytes
    expect(b.byteLength / a.byteLength).toBe('hello there, duck'.length / 2);
  });

  it('refuses bodies that break the documented shapes, as the real API does', async () => {
    await expect(
      client.embeddings.create({ model: 'text-embedding-3-small', input: [''] }),
    ).rejects.toMatchObject({
      status: 400,
    });
    await expect(
      client.chat.completions.create({
        model: 'm',
        messages: [{ role: 'user', content: 'x' }],
        // @ts-expect-error: an argument the API does not know
        not_a_real_argument: true,
      }),
    ).rejects.toMatchObject({ status: 400, message: expect.stringContaining('not_a_real_argument') });
    const wrongKey = new OpenAI({ apiKey: 'sk-wrong', baseURL: double.baseUrl, maxRetries: 0 });
    await expect(wrongKey.embeddings.create({ model: 'm', input: 'x' })).rejects.toMatchObject({
      status: 401,
    });
  });

  it('plays scripted faults in order and exposes its log over HTTP', async () => {
    double.faults.add({ kind: 'status', status: 429, retry_after_s: 3, path: '/v1/embeddings' });
    const fault = await fetch(double.baseUrl.replace(/\/v1$/, '/_double/faults'), {
      method: 'POST',
      body: JSON.stringify({ kind: 'status', status: 503 }),
    });
    expect(fault.status).toBe(200);
    await expect(client.embeddings.create({ model: 'm', input: 'x' })).rejects.toMatchObject({ status: 429 });
    await expect(client.embeddings.create({ model: 'm', input: 'x' })).rejects.toMatchObject({ status: 503 });
    await expect(client.embeddings.create({ model: 'm', input: 'x' })).resolves.toMatchObject({
      object: 'list',
    });
    const log = (await (await fetch(double.baseUrl.replace(/\/v1$/, '/_double/requests'))).json()) as Array<{
      status: number;
    }>;
    expect(log.map((r) => r.status)).toEqual([429, 503, 200]);
  });
});
