/** attachment-indexer: attachments of new, edited and backfilled messages → blobs, documents, attachment.indexed. */
import { SocialMessageCreated, SocialMessageUpdated } from '@promethean/schemas/events/social-message';
import { SocialMessagesBackfilled } from '@promethean/schemas/jobs/backfill-messages';
import type { PayloadOf } from '@promethean/schemas/message-definition';
import { defineAgent } from '@promethean/shared/agent/agent-definition';
import type { RuntimeContext } from '@promethean/shared/agent/runtime-context';
import manifest from './agent.yml';
import { indexAttachments, type MessageAttachments } from './attachment-indexing.ts';

type Created = PayloadOf<typeof SocialMessageCreated>;

function fromCreated(p: Created): MessageAttachments {
  return {
    origin: {
      urn: p.urn,
      foreign_id: p.foreign_id,
      channel: p.channel,
      space: p.space,
      author: p.author,
      content: p.content,
      posted_at: p.created_at,
    },
    attachments: p.attachments,
  };
}

async function run(ctx: RuntimeContext, messages: MessageAttachments[]): Promise<void> {
  const withAttachments = messages.filter((m) => m.attachments.length > 0);
  if (withAttachments.length === 0) return;
  const counts = await indexAttachments(ctx, withAttachments);
  ctx.telemetry.info('attachments indexed', counts);
}

export const attachmentIndexer = defineAgent(manifest, 'functions/agents/attachment-indexer/agent.yml')
  .on(SocialMessageCreated, (msg, ctx) => run(ctx, [fromCreated(msg.payload)]))
  // An edit lists the message's attachments when they changed; ones already indexed are not fetched again.
  .on(SocialMessageUpdated, (msg, ctx) => {
    const p = msg.payload;
    return run(ctx, [
      {
        origin: {
          urn: p.urn,
          foreign_id: p.foreign_id,
          channel: p.channel,
          space: p.space,
          author: p.author,
          content: p.content ?? '',
          posted_at: p.edited_at,
        },
        attachments: p.attachments ?? [],
      },
    ]);
  })
  .on(SocialMessagesBackfilled, (msg, ctx) => run(ctx, msg.payload.messages.map(fromCreated)))
  .build();
