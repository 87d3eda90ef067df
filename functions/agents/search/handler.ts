/**
 * search: answers `interaction.search` (a /search command) with the nearest indexed messages, as an
 * ephemeral answer to the interaction (it replaces the deferred "thinking…" response).
 */
import { PostMessage } from '@promethean/schemas/commands/post-message';
import { InteractionSearch } from '@promethean/schemas/interactions/interaction-commands';
import { defineAgent } from '@promethean/shared/agent/agent-definition';
import { modelRefOf } from '@promethean/shared/agent/model-ref';
import { modelMatchedQuery } from '@promethean/shared/effects/model-matched-query';
import { retrievalFilter, retrievalScopeSetting } from '@promethean/shared/platform/retrieval-scope';
import manifest from './agent.yml';
import { answerSettings, searchAnswer } from './search-answer.ts';
import { webSearchAnswer } from './web-search-answer.ts';

export const search = defineAgent(manifest, 'functions/agents/search/agent.yml')
  .on(InteractionSearch, async (msg, ctx) => {
    const { query, limit, interaction_urn, channel, space, source } = msg.payload;
    const collection = source === 'web' ? 'web_summaries' : 'messages';
    const embedded = await ctx.effects.models.embed([query]);
    let content: string;
    if (source === 'web' && ctx.settings.web_search !== true) {
      // A tenant's crawled pages are searched tenant-wide, so the tenant turns this on explicitly.
      content = 'Web search is not turned on here (the search agent setting `web_search`).';
    } else {
      // Only what the asker can see where they asked: their channel (or, opted in, their guild). A
      // tenant's crawled pages are searched tenant-wide.
      const where =
        source === 'web'
          ? undefined
          : retrievalFilter(retrievalScopeSetting(ctx.settings.retrieval_scope), {
              channelId: channel.foreign_id,
              spaceId: space?.foreign_id,
            });
      const answer = await modelMatchedQuery(
        ctx.effects.vectors,
        collection,
        { vector: embedded.vectors[0] ?? [], spec: { model: embedded.model, dimension: embedded.dimension } },
        limit,
        where,
      );
      if (answer.kind === 'nothing-indexed') {
        content =
          source === 'web'
            ? 'No web pages are indexed yet: no crawl has stored a summary here.'
            : 'Nothing is indexed yet: Duck has not embedded any message here.';
      } else if (answer.kind === 'model-mismatch') {
        const { pinned } = answer;
        // Distances across two models mean nothing; say why instead of answering with noise.
        content =
          `The index was built with ${pinned.model} (${pinned.dimension} dimensions) but searches use ` +
          `${embedded.model} (${embedded.dimension}); re-index before searching.`;
        ctx.telemetry.warn('search model differs from the index', { pinned, query_model: embedded.model });
      } else if (source === 'web') {
        content = webSearchAnswer(
          query,
          answer.matches,
          embedded.offline,
          answerSettings(ctx.settings).snippetChars,
        );
        ctx.telemetry.info('web search answered', {
          results: answer.matches.length,
          offline: embedded.offline,
        });
      } else {
        content = searchAnswer(query, answer.matches, embedded.offline, answerSettings(ctx.settings));
        ctx.telemetry.info('search answered', { results: answer.matches.length, offline: embedded.offline });
      }
    }
    await ctx.effects.publish(
      PostMessage,
      {
        channel: { urn: channel.urn, foreign_id: channel.foreign_id },
        content,
        idempotency_key: `search:${interaction_urn}`,
        interaction_urn,
        ephemeral: true,
      },
      {
        id: `search:${interaction_urn}`,
        models: [modelRefOf('embed', embedded)],
      },
    );
  })
  .build();
