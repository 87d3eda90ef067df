/** message-embedder: keeps the tenant's `messages` vectors in step with its messages, one batch per event. */
import {
  SocialMessageCreated,
  SocialMessageDeleted,
  SocialMessageUpdated,
} from '@promethean/schemas/events/social-message';
import { SocialMessagesBackfilled } from '@promethean/schemas/jobs/backfill-messages';
import { defineAgent } from '@promethean/shared/agent/agent-definition';
import type { RuntimeContext } from '@promethean/shared/agent/runtime-context';
import manifest from './agent.yml';
import { embedMessages, type MessageEvent } from './message-embedding.ts';

async function run(ctx: RuntimeContext, events: MessageEvent[]): Promise<void> {
  const summary = await embedMessages(ctx, events);
  for (const s of summary.skipped)
    ctx.telemetry.info('message not embedded', { urn: s.urn, reason: s.reason });
  ctx.telemetry.info('messages embedded', {
    embedded: summary.embedded.length,
    removed: summary.removed.length,
    skipped: summary.skipped.length,
  });
}

export const messageEmbedder = defineAgent(manifest, 'functions/agents/message-embedder/agent.yml')
  .on(SocialMessageCreated, (msg, ctx) => run(ctx, [{ kind: 'created', payload: msg.payload }]))
  .on(SocialMessageUpdated, (msg, ctx) => run(ctx, [{ kind: 'updated', payload: msg.payload }]))
  .on(SocialMessageDeleted, (msg, ctx) => run(ctx, [{ kind: 'deleted', payload: msg.payload }]))
  // A backfilled page is one batch: one embed request and one vector write for all of it.
  .on(SocialMessagesBackfilled, (msg, ctx) =>
    run(
      ctx,
      msg.payload.messages.map((payload) => ({ kind: 'created', payload })),
    ),
  )
  .build();
