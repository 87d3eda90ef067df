/** web-tagger: `web.page.summarized` → the page's tags slot → its `web_summaries` vector (docs/agents/web-crawler.md). */
import { WebPageSummarized } from '@promethean/schemas/events/web-page';
import { defineAgent } from '@promethean/shared/agent/agent-definition';
import { RetryAfterError } from '@promethean/shared/agent/agent-errors';
import { tagAndIndexPage } from '../../web-tagger/page-tag-step.ts';
import manifest from './agent.yml';

export const webTagger = defineAgent(manifest, 'functions/agents/web-tagger/agent.yml')
  .on(WebPageSummarized, async (msg, ctx) => {
    const ref = msg.payload;
    const scope = { provider: ctx.provider, tenant: ctx.tenant };
    const step = await tagAndIndexPage(ctx.effects, scope, ref);
    if (step.kind === 'stale') {
      ctx.telemetry.info('page left alone', { page_id: ref.page_id, reason: step.reason });
      return;
    }
    if (step.kind === 'no_summary') {
      // The summary this event announces is not readable yet (a lagging replica): try again shortly.
      throw new RetryAfterError(`page ${ref.page_id}: its summary is not stored yet`, 5_000, {
        tenant: ctx.tenant,
        agent: ctx.agent.id,
      });
    }
    // One call for both counters: a round trip to the job's object per page less.
    if (ref.job_id) await ctx.effects.crawl.passed(ref.job_id, ['tagged', 'vectors'], ref.page_id);
    ctx.telemetry.info('page tagged and indexed', {
      page_id: ref.page_id,
      tags: step.tags.length,
      wrote_tags: step.wrote_tags,
      wrote_vector: step.wrote_vector,
    });
  })
  .build();
