/** web-crawler: one frontier item per message, on the job's and the host's Durable Objects (docs/agents/web-crawler.md). */
import { WebPageStored } from '@promethean/schemas/events/web-page';
import { CrawlFrontier } from '@promethean/schemas/jobs/web-crawl';
import { defineAgent } from '@promethean/shared/agent/agent-definition';
import { OverloadedError } from '@promethean/shared/agent/agent-errors';
import type { RuntimeContext } from '@promethean/shared/agent/runtime-context';
import type { PassPageRef } from '../../web-summarizer/page-summary-step.ts';
import manifest from './agent.yml';
import { frontierStep } from './frontier-step.ts';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function numberSetting(ctx: RuntimeContext, name: string, fallback: number): number {
  const v = ctx.settings[name];
  return typeof v === 'number' && Number.isFinite(v) ? v : fallback;
}

export const webCrawler = defineAgent(manifest, 'functions/agents/web-crawler/agent.yml')
  .on(CrawlFrontier, async (msg, ctx) => {
    const inlineWait = numberSetting(ctx, 'inline_wait_ms', 1500);
    const inlineWaits = numberSetting(ctx, 'inline_waits', 4);
    const ports = {
      crawl: ctx.effects.crawl,
      documents: ctx.effects.documents,
      vectors: ctx.effects.vectors,
      models: ctx.effects.models,
      // The id is the page and its text: a redone item tells the summarizer nothing new.
      stored: async (page: PassPageRef) => {
        await ctx.effects.publish(WebPageStored, page, {
          id: `webpage:${page.job_id ?? '-'}:${page.page_id}:${page.content_sha256.slice(0, 16)}`,
        });
      },
    };
    const outcome = await frontierStep(msg.payload, ports, `${msg.id}:0`, () => ctx.clock.now(), {
      max_wait_ms: inlineWait,
      max_waits: inlineWaits,
      sleep,
    });
    if (outcome.kind === 'wait') {
      throw new OverloadedError(
        `crawl ${msg.payload.job_id}: ${msg.payload.item.url} waits for its host or the job's QPS`,
        outcome.wait_ms,
        { tenant: ctx.tenant, agent: ctx.agent.id },
      );
    }
    ctx.telemetry.log('debug', 'frontier item', {
      job_id: msg.payload.job_id,
      key: msg.payload.key,
      outcome,
    });
  })
  .build();
