/** Starting and continuing a backfill: admission by lease, then one page request per enqueue. */

import { PostMessage } from '@promethean/schemas/commands/post-message';
import type { TypedEnvelope } from '@promethean/schemas/envelope';
import type { InteractionBackfill } from '@promethean/schemas/interactions/interaction-commands';
import { BackfillEnqueue } from '@promethean/schemas/jobs/backfill-messages';
import type { PayloadOf } from '@promethean/schemas/message-definition';
import { RestRequest } from '@promethean/schemas/rest/rest-messages';
import { OverloadedError } from '@promethean/shared/agent/agent-errors';
import type { RuntimeContext } from '@promethean/shared/agent/runtime-context';
import { fromUrn } from '@promethean/shared/platform/urns';
import {
  type JobCounts,
  type JobSpec,
  jobDocumentId,
  jobSpecDocument,
  jobSpecOf,
  latestPageRequest,
  outcomeOf,
  type PageRequest,
  pageCorr,
  pageRequestDocument,
} from './backfill-job.ts';
import { queuedText } from './job-replies.ts';
import { leaseSettings } from './lease-settings.ts';
import { leaseWaitMs } from './lease-wait.ts';

type Enqueue = PayloadOf<typeof BackfillEnqueue>;

const ZERO: JobCounts = { pages: 0, fetched: 0, upserted: 0 };

/** The lease every running job of a tenant holds; its limit bounds the tenant's concurrent jobs. */
export const BACKFILL_LEASE = 'backfill';

/** `/backfill`: turns the slash command into a job (its id from the interaction) and acknowledges it. */
export async function startFromInteraction(
  msg: TypedEnvelope<PayloadOf<typeof InteractionBackfill>>,
  ctx: RuntimeContext,
): Promise<void> {
  const p = msg.payload;
  const jobId = `i${fromUrn(p.interaction_urn).id}`;
  await ctx.effects.publish(
    BackfillEnqueue,
    {
      job_id: jobId,
      channel: { urn: p.target_channel.urn, foreign_id: p.target_channel.foreign_id },
      ...(p.limit !== undefined && { limit: p.limit }),
      ...(p.space !== undefined && { space_id: p.space.foreign_id }),
      interaction_urn: p.interaction_urn,
    },
    { id: `backfill:${jobId}:enqueue:0` },
  );
  await ctx.effects.publish(
    PostMessage,
    {
      channel: { foreign_id: p.channel.foreign_id },
      content: queuedText({ channel: p.target_channel, limit: p.limit }),
      idempotency_key: `backfill:${jobId}:queued`,
      interaction_urn: p.interaction_urn,
      ephemeral: false,
    },
    { id: `backfill:${jobId}:reply:queued` },
  );
}

/**
 * Admits the job (or asks the queue to come back later) and renews its lease on every page. A job waiting
 * for a slot is deferred, not failed: however long the queue of jobs ahead of it, waiting never uses up
 * its retries (a failure would, and a long backfill queue would then dead-letter the jobs at its end).
 */
async function holdLease(ctx: RuntimeContext, jobId: string): Promise<void> {
  const { maxJobs, ttlMs } = leaseSettings(ctx);
  const grant = await ctx.effects.leases.acquire(BACKFILL_LEASE, jobId, maxJobs, ttlMs);
  if (!grant.granted) {
    throw new OverloadedError(
      `backfill job ${jobId} waits: ${grant.holders} of ${maxJobs} backfill jobs are running`,
      leaseWaitMs(grant.retry_after_ms),
      { tenant: ctx.tenant, agent: ctx.agent.id },
    );
  }
}

function specFrom(p: Enqueue, now: string): JobSpec {
  return {
    job_id: p.job_id,
    channel: p.channel,
    ...(p.limit !== undefined && { limit: p.limit }),
    page_size: p.page_size,
    ...(p.after !== undefined && { after: p.after }),
    ...(p.space_id !== undefined && { space_id: p.space_id }),
    ...(p.interaction_urn !== undefined && { interaction_urn: p.interaction_urn }),
    started_at: now,
  };
}

/** Where this enqueue continues: its own cursor, or (a restarted job) the newest page already requested. */
function nextRequest(p: Enqueue, job: JobSpec, latest: PageRequest | undefined): PageRequest {
  const continuing = p.before !== undefined || p.progress !== undefined;
  const progress = continuing ? (p.progress ?? ZERO) : (latest?.progress ?? ZERO);
  const before = continuing ? p.before : latest?.before;
  const remaining =
    job.limit === undefined ? job.page_size : Math.min(job.page_size, job.limit - progress.fetched);
  return {
    page: progress.pages,
    ...(before !== undefined && { before }),
    progress,
    limit: Math.max(1, remaining),
  };
}

/** `jobs.backfill.messages.enqueue`: records and sends the next page request of the job. */
export async function requestNextPage(msg: TypedEnvelope<Enqueue>, ctx: RuntimeContext): Promise<void> {
  const p = msg.payload;
  const scope = { provider: msg.provider, tenant: msg.tenant };
  const existing = await ctx.effects.documents.get('jobs', jobDocumentId(p.job_id));
  if (outcomeOf(existing) !== undefined) {
    ctx.telemetry.info('backfill job already finished; enqueue ignored', { job_id: p.job_id });
    return;
  }
  await holdLease(ctx, p.job_id);
  const job = jobSpecOf(existing) ?? specFrom(p, new Date(ctx.clock.now()).toISOString());
  const request = nextRequest(p, job, latestPageRequest(existing));
  await ctx.effects.documents.upsertMany('jobs', [
    jobSpecDocument(scope, job),
    pageRequestDocument(scope, job, request),
  ]);
  await ctx.effects.publish(
    RestRequest,
    {
      method: 'GET',
      route: '/channels/{channel_id}/messages',
      params: { channel_id: job.channel.foreign_id },
      query: {
        limit: String(request.limit),
        ...(request.before !== undefined && { before: request.before }),
      },
      normalize: { kind: 'messages', ...(job.space_id !== undefined && { space_id: job.space_id }) },
    },
    {
      id: `backfill:${job.job_id}:request:${request.page}:${p.attempt}`,
      corr: pageCorr(job.job_id, request.page),
    },
  );
}
