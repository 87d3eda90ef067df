/** Test helpers for the reply agent: envelopes and a runtime whose models are the model double. */
import { readModelSettings } from '@promethean/functions/models/model-settings';
import { OpenAiModelPort } from '@promethean/functions/models/openai-model-port';
import { MemoryVectorStore } from '@promethean/shared/effects/memory-vector-store';
import { type RecordingRuntime, recordingRuntime } from '@promethean/test/harness/recording-runtime';
import type { ModelDouble } from '@promethean/test/model-double/model-double';

const ref = (kind: string, id: string, name?: string) => ({
  urn: `urn:echo:${kind}:demo:${id}`,
  foreign_id: id,
  ...(name && { name }),
});

/** A mention of the echo demo bot (user 100) in #general. */
export function mentionEnvelope(id: string, content: string, author = { id: '42', name: 'ada' }) {
  return {
    id: `in-${id}`,
    ts: '2026-11-20T10:00:00.000Z',
    src: 'echo-access',
    dst: 'promethean.p.echo.t.demo.events.SocialMessageCreated',
    provider: 'echo',
    tenant: 'demo',
    intent: 'SocialMessageCreated',
    payload: {
      ...ref('message', id),
      channel: ref('channel', 'general', 'general'),
      author: { ...ref('user', author.id, author.name), bot: false },
      content,
      created_at: '2026-11-20T09:59:00.000Z',
      mentions: { users: ['100'], roles: [], everyone: false, bot: true },
    },
  };
}

/** A runtime for the echo demo tenant whose model port talks to `double` over HTTP. */
export function doubleRuntime(double: ModelDouble): RecordingRuntime & { vectors: MemoryVectorStore } {
  const settings = readModelSettings({
    MODEL_BASE_URL: double.baseUrl,
    MODEL_API_KEY: 'sk-test',
    EMBED_DIMENSIONS: '64',
  });
  const vectors = new MemoryVectorStore('echo', 'demo');
  const rt = recordingRuntime(Date.UTC(2026, 10, 20, 10), {
    models: new OpenAiModelPort(settings, { provider: 'echo', tenant: 'demo' }),
    vectors,
  });
  return { ...rt, vectors };
}

/** The chat completion bodies the double received. */
export function chatRequests(
  double: ModelDouble,
): Array<{ messages: Array<{ role: string; content: string }> }> {
  return double.requests
    .filter((r) => r.path === '/v1/chat/completions')
    .map((r) => r.body as { messages: Array<{ role: string; content: string }> });
}
