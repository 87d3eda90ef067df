/**
 * A page's answer (`rest.response` on a backfill corr): hand its messages to the indexers, record it,
 * and decide whether the job continues (next cursor), is done, or failed.
 */
import { PostMessage } from '@promethean/schemas/commands/post-message';
import type { TypedEnvelope } from '@promethean/schemas/envelope';
import {
  BackfillDone,
  BackfillEnqueue,
  BackfillError,
  BackfillProgress,
  SocialMessagesBackfilled,
} from '@promethean/schemas/jobs/backfill-messages';
import type { PayloadOf } from '@promethean/schemas/message-definition';
import type { RestResponse } from '@promethean/schemas/rest/rest-messages';
import { NonRetriableError } from '@promethean/shared/agent/agent-errors';
import type { RuntimeContext } from '@promethean/shared/agent/runtime-context';
import {
  type JobCounts,
  type JobSpec,
  jobDocumentId,
  jobSpecOf,
  outcomeDocument,
  outcomeOf,
  type PageRequest,
  pagePartDocument,
  pageRequestOf,
  parsePageCorr,
} from './backfill-job.ts';
import { doneText, failedText, progressText } from './job-replies.ts';
import { leaseSettings } from './lease-settings.ts';
import { BACKFILL_LEASE } from './start-job.ts';

type Answer = TypedEnvelope<PayloadOf<typeof RestResponse>>;

interface PageContext {
  msg: Answer;
  ctx: RuntimeContext;
  job: JobSpec;
  request: PageRequest;
  scope: { provider: string; tenant: string };
}

/** Rate limits, 5xx and transport failures may pass; anything else (403, 404) will not. */
const isTransient = (status: number) => status === 0 || status === 429 || status >= 500;

async function reply(pc: PageContext, key: string, content: string): Promise<void> {
  if (pc.job.interaction_urn === undefined) return;
  await pc.ctx.effects.publish(
    PostMessage,
    {
      channel: { foreign_id: pc.job.channel.foreign_id },
      content,
      idempotency_key: `backfill:${pc.job.job_id}:${key}`,
      interaction_urn: pc.job.interaction_urn,
      ephemeral: false,
    },
    { id: `backfill:${pc.job.job_id}:reply:${key}` },
  );
}

async function finish(pc: PageContext, counts: JobCounts): Promise<void> {
  const { job, ctx } = pc;
  const at = new Date(ctx.clock.now()).toISOString();
  await ctx.effects.documents.upsertMany('jobs', [
    outcomeDocument(pc.scope, job, { state: 'done', at, counts }),
  ]);
  await ctx.effects.publish(
    BackfillDone,
    { job_id: job.job_id, channel: job.channel, ...counts },
    { id: `backfill:${job.job_id}:done` },
  );
  await ctx.effects.leases.release(BACKFILL_LEASE, job.job_id);
  await reply(pc, 'done', doneText(job, counts));
}

async function fail(pc: PageContext, status: number, message: string, retriable: boolean): Promise<void> {
  const { job, ctx, request } = pc;
  const counts = request.progress;
  const at = new Date(ctx.clock.now()).toISOString();
  await ctx.effects.documents.upsertMany('jobs', [
    outcomeDocument(pc.scope, job, { state: 'failed', at, counts, message }),
  ]);
  await ctx.effects.publish(
    BackfillError,
    { job_id: job.job_id, channel: job.channel, ...counts, message, retriable, status },
    { id: `backfill:${job.job_id}:error` },
  );
  await ctx.effects.leases.release(BACKFILL_LEASE, job.job_id);
  await reply(pc, 'failed', failedText(job, counts, message));
}

/** A failed page: ask again from the same cursor (bounded), or stop the job. */
async function handleFailure(pc: PageContext): Promise<void> {
  const { msg, ctx, job, request } = pc;
  const r = msg.payload;
  const attempt = Number(msg.id.match(/:request:\d+:(\d+)/)?.[1] ?? '0');
  const message = `${r.status} ${r.error?.code ?? ''} ${r.error?.message ?? ''}`.replace(/\s+/g, ' ').trim();
  if (!isTransient(r.status) || attempt + 1 >= leaseSettings(ctx).maxAttempts) {
    await fail(pc, r.status, message, false);
    return;
  }
  ctx.telemetry.warn('backfill page failed; asking again', {
    job_id: job.job_id,
    page: request.page,
    status: r.status,
  });
  await ctx.effects.publish(
    BackfillEnqueue,
    {
      job_id: job.job_id,
      channel: job.channel,
      page_size: job.page_size,
      ...(request.before !== undefined && { before: request.before }),
      progress: request.progress,
      attempt: attempt + 1,
    },
    { id: `backfill:${job.job_id}:enqueue:${request.page}:retry:${attempt + 1}` },
  );
}

/** Decides the job's next step from the whole page (only part 0 does, so parts never race). */
async function continueOrFinish(pc: PageContext): Promise<void> {
  const { msg, ctx, job, request } = pc;
  const page = msg.payload.page ?? { count: 0 };
  const counts: JobCounts = {
    pages: request.page + 1,
    fetched: request.progress.fetched + page.count,
    upserted: request.progress.upserted + page.count,
  };
  const reachedStart = page.count < request.limit || page.oldest_id === undefined;
  const reachedLimit = job.limit !== undefined && counts.fetched >= job.limit;
  const reachedAfter =
    job.after !== undefined && page.oldest_id !== undefined && BigInt(page.oldest_id) <= BigInt(job.after);
  if (reachedStart || reachedLimit || reachedAfter) {
    await finish(pc, counts);
    return;
  }
  await ctx.effects.publish(
    BackfillProgress,
    { job_id: job.job_id, channel: job.channel, ...counts, cursor: page.oldest_id },
    { id: `backfill:${job.job_id}:progress:${request.page}` },
  );
  await ctx.effects.publish(
    BackfillEnqueue,
    {
      job_id: job.job_id,
      channel: job.channel,
      page_size: job.page_size,
      before: page.oldest_id,
      progress: counts,
    },
    { id: `backfill:${job.job_id}:enqueue:${counts.pages}` },
  );
  if (counts.pages % leaseSettings(ctx).editEvery === 0) {
    await reply(pc, `progress:${counts.pages}`, progressText(job, counts));
  }
}

/** Hands one part's messages to the indexers (same upsert path as live events) and records it. */
async function deliverPart(pc: PageContext): Promise<void> {
  const { msg, ctx, job, request } = pc;
  const r = msg.payload;
  const after = job.after === undefined ? undefined : BigInt(job.after);
  // The page that reaches the stop bound also holds older messages, already stored: leave them out.
  const messages = (r.normalized?.messages ?? []).filter(
    (m) => after === undefined || BigInt(m.foreign_id) > after,
  );
  const part = r.part?.index ?? 0;
  if (messages.length > 0) {
    await ctx.effects.publish(
      SocialMessagesBackfilled,
      { job_id: job.job_id, channel: job.channel, page: request.page, part, messages },
      { id: `backfill:${job.job_id}:${request.page}:${part}` },
    );
  }
  await ctx.effects.documents.upsertMany('jobs', [
    pagePartDocument(pc.scope, job, request.page, part, {
      messages: messages.length,
      ...(r.page?.oldest_id !== undefined && { oldest_id: r.page.oldest_id }),
    }),
  ]);
}

/** `rest.response`: only answers to backfill pages concern this agent; others are skipped. */
export async function handlePageAnswer(msg: Answer, ctx: RuntimeContext): Promise<void> {
  const corr = parsePageCorr(msg.corr);
  if (!corr) return;
  const doc = await ctx.effects.documents.get('jobs', jobDocumentId(corr.jobId));
  const job = jobSpecOf(doc);
  const request = pageRequestOf(doc, corr.page);
  if (!job || !request) {
    throw new NonRetriableError(`no backfill job ${corr.jobId} with a request for page ${corr.page}`, {
      tenant: msg.tenant,
      corr: msg.corr,
    });
  }
  if (outcomeOf(doc) !== undefined) return;
  const pc: PageContext = { msg, ctx, job, request, scope: { provider: msg.provider, tenant: msg.tenant } };
  if (!msg.payload.ok) {
    await handleFailure(pc);
    return;
  }
  if (msg.payload.normalized === undefined) {
    await fail(pc, msg.payload.status, 'the provider answered without normalized messages', false);
    return;
  }
  await deliverPart(pc);
  if ((msg.payload.part?.index ?? 0) === 0) await continueOrFinish(pc);
}
