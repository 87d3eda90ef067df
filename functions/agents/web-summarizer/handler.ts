/** web-summarizer: `web.page.stored` → the page's summary slot → `web.page.summarized` (docs/agents/web-crawler.md). */
import { WebPageStored, WebPageSummarized } from '@promethean/schemas/events/web-page';
import { defineAgent } from '@promethean/shared/agent/agent-definition';
import { summarizeStoredPage } from '../../web-summarizer/page-summary-step.ts';
import manifest from './agent.yml';

export const webSummarizer = defineAgent(manifest, 'functions/agents/web-summarizer/agent.yml')
  .on(WebPageStored, async (msg, ctx) => {
    const ref = msg.payload;
    const scope = { provider: ctx.provider, tenant: ctx.tenant };
    const step = await summarizeStoredPage(ctx.effects, scope, ref);
    if (step.kind === 'stale') {
      // A page gone or re-crawled with other text since: the newer page.stored event carries it.
      ctx.telemetry.info('page left alone', { page_id: ref.page_id, reason: step.reason });
      return;
    }
    if (ref.job_id) await ctx.effects.crawl.passed(ref.job_id, ['summaries'], ref.page_id);
    // Sent again on a redelivery (the tagger drops what it already did): a crash after the write
    // and before this line must not strand the page without tags.
    await ctx.effects.publish(WebPageSummarized, ref, {
      id: `websum:${ref.job_id ?? '-'}:${ref.page_id}:${ref.content_sha256.slice(0, 16)}`,
    });
    ctx.telemetry.info('page summarized', {
      page_id: ref.page_id,
      wrote: step.wrote,
      tokens: step.summary.tokens,
    });
  })
  .build();
