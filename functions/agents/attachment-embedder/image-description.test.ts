/** With a vision model configured, an image attachment is embedded from the model's description (model double). */
import { readModelSettings } from '@promethean/functions/models/model-settings';
import { OpenAiModelPort } from '@promethean/functions/models/openai-model-port';
import { invokeAgent } from '@promethean/shared/agent/agent-invocation';
import { MemoryBlobStore } from '@promethean/shared/effects/memory-blob-store';
import { MemoryVectorStore } from '@promethean/shared/effects/memory-vector-store';
import { recordingRuntime } from '@promethean/test/harness/recording-runtime';
import { type ModelDouble, startModelDouble } from '@promethean/test/model-double/model-double';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attachmentEmbedder } from './handler.ts';

const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
  'base64',
);
const SHA = 'a'.repeat(64);
const ref = (kind: string, id: string) => ({ urn: `urn:echo:${kind}:demo:${id}`, foreign_id: id });

let double: ModelDouble;
beforeAll(async () => {
  double = await startModelDouble();
});
afterAll(async () => {
  await double.stop();
});

describe('attachment-embedder with a vision model', () => {
  it('embeds the model description of an image, and records which model described it', async () => {
    const settings = readModelSettings({
      MODEL_BASE_URL: double.baseUrl,
      MODEL_API_KEY: 'sk-test',
      EMBED_DIMENSIONS: '64',
      VISION_MODEL: 'gpt-4o-2024-08-06',
    });
    const vectors = new MemoryVectorStore('echo', 'demo');
    const blobs = new MemoryBlobStore();
    await blobs.put(`attachments/sha256/${SHA}`, PNG, 'image/png');
    const rt = recordingRuntime(Date.UTC(2026, 10, 20), {
      models: new OpenAiModelPort(settings, { provider: 'echo', tenant: 'demo' }),
      vectors,
      blobs,
    });
    const outcome = await invokeAgent(
      attachmentEmbedder,
      {
        id: 'in-1',
        ts: '2026-11-20T10:00:00.000Z',
        src: 'attachment-indexer',
        dst: 'promethean.p.echo.t.demo.events.attachment.indexed',
        provider: 'echo',
        tenant: 'demo',
        intent: 'attachment.indexed',
        payload: {
          ...ref('attachment', '501'),
          message: ref('message', '1001'),
          channel: ref('channel', 'general'),
          filename: 'duck.png',
          declared_size: PNG.byteLength,
          message_text: 'look',
          posted_at: '2026-11-20T09:51:00.000Z',
          status: 'stored',
          stored: {
            sha256: SHA,
            blob_key: `attachments/sha256/${SHA}`,
            content_type: 'image/png',
            size: PNG.byteLength,
          },
        },
      },
      rt.deps,
    );
    expect(outcome.outcome).toBe('ok');
    const [record] = await vectors.query('attachments', new Array(64).fill(0), 5);
    expect(record?.document).toBe(
      `Image "duck.png": model-double description from gpt-4o-2024-08-06: [an image: ${PNG.byteLength} bytes of image/png]\n` +
        'Posted with the message: "look"',
    );
    expect(record?.metadata).toMatchObject({ text_source: 'description', described_by: 'gpt-4o-2024-08-06' });
    expect(double.requests.map((r) => r.path)).toEqual(['/v1/chat/completions', '/v1/embeddings']);
  });
});
