import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { OfflineModelPort } from '@promethean/functions/models/offline-model-port';
import { InteractionSearch } from '@promethean/schemas/interactions/interaction-commands';
import { invokeAgent } from '@promethean/shared/agent/agent-invocation';
import { createEnvelope } from '@promethean/shared/agent/envelope-factory';
import { commitConfigChange, EMPTY_TENANT_CONFIG } from '@promethean/shared/agent/tenant-config';
import { MemoryVectorStore } from '@promethean/shared/effects/memory-vector-store';
import { checkGoldenCase, goldenCases } from '@promethean/test/harness/golden-harness';
import { recordingRuntime } from '@promethean/test/harness/recording-runtime';
import { describe, expect, it } from 'vitest';
import { search } from './handler.ts';
import { answerSettings, searchAnswer } from './search-answer.ts';

const here = dirname(fileURLToPath(import.meta.url));

describe('search golden fixtures', () => {
  it.each(goldenCases(here))('%s', async (name) => {
    const { actual, expected } = await checkGoldenCase(search, here, name);
    expect(actual).toEqual(expected);
  });
});

describe('search answers', () => {
  const payload = {
    interaction_urn: 'urn:echo:interaction:demo:m1',
    user: { urn: 'urn:echo:user:demo:ada', foreign_id: 'ada' },
    channel: { urn: 'urn:echo:channel:demo:general', foreign_id: 'general' },
    received_at: '2026-11-20T09:59:59.000Z',
    query: 'ducks',
    limit: 3,
  };

  it('says the index was built with another model instead of comparing across models', async () => {
    const vectors = new MemoryVectorStore('echo', 'demo');
    await vectors.upsert(
      'messages',
      [{ id: 'urn:echo:message:demo:1', embedding: [1, 0, 0], document: 'ducks', metadata: {} }],
      { model: 'text-embedding-3-small', dimension: 3 },
    );
    const rt = recordingRuntime(Date.UTC(2026, 10, 20), { vectors, models: new OfflineModelPort() });
    const envelope = createEnvelope(InteractionSearch, payload, {
      src: 'test',
      provider: 'echo',
      tenant: 'demo',
    });
    const result = await invokeAgent(search, envelope, rt.deps);
    expect(result.outcome).toBe('ok');
    const answer = rt.recorder.published[0]?.payload as { content: string; ephemeral: boolean };
    expect(answer.content).toMatch(
      /built with text-embedding-3-small \(3 dimensions\).*offline-embed \(512\)/,
    );
    expect(answer.ephemeral).toBe(true);
  });

  it('links with the template, falls back to @me without a space, and clips long messages', () => {
    const settings = answerSettings({
      permalink_template: 'https://chat.example/{space}/{channel}/{message}',
      user_mention_template: '<@{user}>',
      snippet_chars: 40,
    });
    const text = searchAnswer(
      'q',
      [
        {
          id: 'urn:discord:message:duck:42',
          embedding: [],
          distance: 0.1,
          document: `a \`quoted\` ${'long '.repeat(30)}message`,
          metadata: { channel_id: '7', author_id: '9', created_at: '2026-11-20T00:00:00.000Z' },
        },
      ],
      false,
      settings,
    );
    expect(text).toBe(
      `Top 1 for "q":\n1. <@9> 2026-11-20: "a 'quoted' long long long long long lon…" (https://chat.example/@me/7/42)`,
    );
  });

  describe('source: web', () => {
    const pages = [
      ['p1', 'https://ducks.test/pond', 'Pond ducks', 'ducks gather at the pond by the mill at dawn'],
      ['p2', 'https://ducks.test/budget', 'Budget', 'the quarterly budget review moved to thursday'],
    ] as const;

    async function webRuntime(webSearch: boolean | undefined) {
      const models = new OfflineModelPort();
      const vectors = new MemoryVectorStore('echo', 'demo');
      const embedded = await models.embed(pages.map((p) => p[3]));
      await vectors.upsert(
        'web_summaries',
        pages.map(([id, url, title, summary], i) => ({
          id,
          embedding: embedded.vectors[i] ?? [],
          document: summary,
          metadata: { url, title, host: 'ducks.test' },
        })),
        { model: embedded.model, dimension: embedded.dimension },
      );
      // A message that would match too: a web search must not return it.
      await vectors.upsert(
        'messages',
        [
          {
            id: 'urn:echo:message:demo:1',
            embedding: embedded.vectors[0] ?? [],
            document: 'ducks at the pond',
            metadata: { channel_id: 'general' },
          },
        ],
        { model: embedded.model, dimension: embedded.dimension },
      );
      const rt = recordingRuntime(Date.UTC(2026, 10, 20), { vectors, models });
      if (webSearch !== undefined) {
        await commitConfigChange(rt.documents, { provider: 'echo', tenant: 'demo' }, EMPTY_TENANT_CONFIG, {
          agent: 'search',
          settings: { web_search: webSearch },
          changed: ['web_search'],
          patch_id: 'patch-1',
          actor: 'test',
          at: '2026-11-20T00:00:00.000Z',
        });
      }
      return rt;
    }

    async function answer(webSearch: boolean | undefined): Promise<string> {
      const rt = await webRuntime(webSearch);
      const envelope = createEnvelope(
        InteractionSearch,
        { ...payload, query: 'ducks at the pond', limit: 1, source: 'web' },
        { src: 'test', provider: 'echo', tenant: 'demo' },
      );
      const result = await invokeAgent(search, envelope, rt.deps);
      expect(result.outcome).toBe('ok');
      const published = rt.recorder.published[0];
      if (!published) throw new Error('the search agent published no answer');
      return (published.payload as { content: string }).content;
    }

    it("searches the tenant's crawled pages, never its messages, where the tenant turned it on", async () => {
      expect(await answer(true)).toBe(
        'Top 1 web pages for "ducks at the pond":\n1. Pond ducks <https://ducks.test/pond>: "ducks gather at the pond by the mill at dawn"\n[offline] embeddings are the offline stand-in: matches share words, not meaning.',
      );
    });

    it('answers that web search is off by default and when the tenant turned it off', async () => {
      expect(await answer(undefined)).toMatch(/^Web search is not turned on here/);
      expect(await answer(false)).toMatch(/^Web search is not turned on here/);
    });
  });
});
