/**
 * /search and /ask read only what the asker may see: two guilds, a private channel in each, and a
 * direct message, all indexed in one tenant. Nothing crosses a channel (default) or, where the tenant
 * opts in, a guild; a DM reads only its own conversation.
 */
import { cephalon } from '@promethean/functions/agents/cephalon/handler';
import { search } from '@promethean/functions/agents/search/handler';
import { OfflineModelPort } from '@promethean/functions/models/offline-model-port';
import { InteractionAsk, InteractionSearch } from '@promethean/schemas/interactions/interaction-commands';
import { invokeAgent } from '@promethean/shared/agent/agent-invocation';
import { createEnvelope } from '@promethean/shared/agent/envelope-factory';
import type { CompletionRequest } from '@promethean/shared/effects/effect-ports';
import { MemoryVectorStore } from '@promethean/shared/effects/memory-vector-store';
import { toUrn } from '@promethean/shared/platform/urns';
import { recordingRuntime } from '@promethean/test/harness/recording-runtime';
import { describe, expect, it } from 'vitest';

const GUILD_A = '810000000000000001';
const GUILD_B = '820000000000000002';
/** channel id → guild (undefined: a direct message). `a-private` and `b-private` stand for private channels. */
const CHANNELS: Record<string, string | undefined> = {
  'a-general': GUILD_A,
  'a-private': GUILD_A,
  'b-general': GUILD_B,
  'b-private': GUILD_B,
  'dm-ada': undefined,
};

/** Records what the reply model was shown, so the test can see what retrieval handed it. */
class PromptRecorder extends OfflineModelPort {
  readonly prompts: string[] = [];
  override async complete(request: CompletionRequest) {
    this.prompts.push(request.messages.map((m) => m.content).join('\n'));
    return super.complete(request);
  }
}

async function indexedTenant(tenant: string, models: OfflineModelPort) {
  const vectors = new MemoryVectorStore('discord', tenant);
  const ids = Object.keys(CHANNELS);
  const texts = ids.map((channel) => `the secret duck pond plan of ${channel}`);
  const embedded = await models.embed(texts);
  await vectors.upsert(
    'messages',
    ids.map((channel, i) => ({
      id: toUrn({ provider: 'discord', kind: 'message', tenant, id: String(1000 + i) }),
      embedding: embedded.vectors[i]!,
      document: texts[i]!,
      metadata: {
        channel_id: channel,
        ...(CHANNELS[channel] !== undefined && { space_id: CHANNELS[channel]! }),
      },
    })),
    { model: embedded.model, dimension: embedded.dimension },
  );
  return vectors;
}

function askedFrom(tenant: string, channel: string) {
  const space = CHANNELS[channel];
  return {
    interaction_urn: toUrn({ provider: 'discord', kind: 'interaction', tenant, id: `i-${channel}` }),
    user: {
      urn: toUrn({ provider: 'discord', kind: 'user', tenant, id: '42' }),
      foreign_id: '42',
      name: 'Ada',
    },
    channel: {
      urn: toUrn({ provider: 'discord', kind: 'channel', tenant, id: channel }),
      foreign_id: channel,
    },
    ...(space !== undefined && {
      space: { urn: toUrn({ provider: 'discord', kind: 'space', tenant, id: space }), foreign_id: space },
    }),
    received_at: '2026-12-02T10:00:00.000Z',
  };
}

/** The channels named in /search's answer (each result quotes its channel's text). */
async function searchSees(tenant: string, channel: string): Promise<string[]> {
  const models = new OfflineModelPort();
  const vectors = await indexedTenant(tenant, models);
  const rt = recordingRuntime(Date.UTC(2026, 11, 2), { vectors, models });
  const envelope = createEnvelope(
    InteractionSearch,
    { ...askedFrom(tenant, channel), query: 'secret duck pond plan', limit: 10 },
    { src: 'test', provider: 'discord', tenant },
  );
  expect((await invokeAgent(search, envelope, rt.deps)).outcome).toBe('ok');
  const content = String((rt.recorder.published[0]?.payload as { content?: string } | undefined)?.content);
  return Object.keys(CHANNELS).filter((c) => content.includes(`plan of ${c}`));
}

/** The channels whose text /ask showed the model. */
async function askSees(tenant: string, channel: string): Promise<string[]> {
  const models = new PromptRecorder();
  const vectors = await indexedTenant(tenant, models);
  const rt = recordingRuntime(Date.UTC(2026, 11, 2), { vectors, models });
  const envelope = createEnvelope(
    InteractionAsk,
    { ...askedFrom(tenant, channel), question: 'what is the secret duck pond plan?' },
    { src: 'test', provider: 'discord', tenant },
  );
  expect((await invokeAgent(cephalon, envelope, rt.deps)).outcome).toBe('ok');
  const prompt = models.prompts.join('\n');
  return Object.keys(CHANNELS).filter((c) => prompt.includes(`plan of ${c}`));
}

describe('retrieval scope: nothing crosses a channel or a guild', () => {
  it.each(Object.keys(CHANNELS))(
    '/search and /ask from %s see only that channel by default',
    async (channel) => {
      expect(await searchSees('duck', channel)).toEqual([channel]);
      expect(await askSees('duck', channel)).toEqual([channel]);
    },
  );

  it('a tenant that opts in to guild scope sees its guild, never the other guild or a DM', async () => {
    expect(await searchSees('guildwide', 'a-general')).toEqual(['a-general', 'a-private']);
    expect(await askSees('guildwide', 'b-private')).toEqual(['b-general', 'b-private']);
  });

  it('a direct message reads only its own conversation, even under guild scope', async () => {
    expect(await searchSees('guildwide', 'dm-ada')).toEqual(['dm-ada']);
    expect(await askSees('guildwide', 'dm-ada')).toEqual(['dm-ada']);
  });
});
