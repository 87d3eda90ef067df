/** message-indexer: mirrors message events into the tenant's document store, idempotently. */
import {
  SocialMessageCreated,
  SocialMessageDeleted,
  SocialMessageUpdated,
} from '@promethean/schemas/events/social-message';
import { defineAgent } from '@promethean/shared/agent/agent-definition';
import manifest from './agent.yml';
import { createdDocument, deletedDocument, updatedDocument } from './message-document.ts';

export const messageIndexer = defineAgent(manifest, 'functions/message-indexer/agent.yml')
  .on(SocialMessageCreated, async (msg, ctx) => {
    await ctx.effects.documents.upsertMany('messages', [createdDocument(msg, msg.payload)]);
  })
  .on(SocialMessageUpdated, async (msg, ctx) => {
    await ctx.effects.documents.upsertMany('messages', [updatedDocument(msg, msg.payload)]);
  })
  .on(SocialMessageDeleted, async (msg, ctx) => {
    await ctx.effects.documents.upsertMany('messages', [deletedDocument(msg, msg.payload)]);
  })
  .build();
