/** message-indexer: mirrors message events into the tenant's document store, idempotently. */
import {
  SocialMessageCreated,
  SocialMessageDeleted,
  SocialMessageUpdated,
} from '@promethean/schemas/events/social-message';
import { SocialMessagesBackfilled } from '@promethean/schemas/jobs/backfill-messages';
import { defineAgent } from '@promethean/shared/agent/agent-definition';
import manifest from './agent.yml';
import { createdDocument, deletedDocument, updatedDocument } from './message-document.ts';

export const messageIndexer = defineAgent(manifest, 'functions/agents/message-indexer/agent.yml')
  .on(SocialMessageCreated, async (msg, ctx) => {
    await ctx.effects.documents.upsertMany('messages', [createdDocument(msg, msg.payload)]);
  })
  .on(SocialMessageUpdated, async (msg, ctx) => {
    await ctx.effects.documents.upsertMany('messages', [updatedDocument(msg, msg.payload)]);
  })
  .on(SocialMessageDeleted, async (msg, ctx) => {
    await ctx.effects.documents.upsertMany('messages', [deletedDocument(msg, msg.payload)]);
  })
  // A backfilled page takes the same path as live creates, in one bulk write.
  .on(SocialMessagesBackfilled, async (msg, ctx) => {
    await ctx.effects.documents.upsertMany(
      'messages',
      msg.payload.messages.map((m) => createdDocument(msg, m)),
    );
  })
  .build();
