/** attachment-embedder: attachment.indexed → text → the tenant's `attachments` vectors; message deletes remove them. */
import { AttachmentIndexed } from '@promethean/schemas/events/attachment-indexed';
import { SocialMessageDeleted } from '@promethean/schemas/events/social-message';
import { defineAgent } from '@promethean/shared/agent/agent-definition';
import { z } from 'zod';
import manifest from './agent.yml';
import { attachmentText } from './attachment-text.ts';

const EmbedderSettings = z.object({
  attachment_describe_max_bytes: z
    .number()
    .int()
    .positive()
    .max(20 * 1024 * 1024)
    .default(4 * 1024 * 1024),
});

export const attachmentEmbedder = defineAgent(manifest, 'functions/agents/attachment-embedder/agent.yml')
  .on(AttachmentIndexed, async (msg, ctx) => {
    const p = msg.payload;
    if (ctx.tenantView.config.storage.vectors === 'none') {
      ctx.telemetry.info('attachment not embedded', { urn: p.urn, reason: 'tenant stores no vectors' });
      return;
    }
    // An attachment.indexed that arrives after its message was deleted must not bring the vector back.
    const message = await ctx.effects.documents.get('messages', p.message.foreign_id);
    if (message?.slots.deleted) {
      ctx.telemetry.info('attachment not embedded', { urn: p.urn, reason: 'message deleted' });
      await ctx.effects.vectors.delete('attachments', [p.urn]);
      return;
    }
    const settings = EmbedderSettings.parse(ctx.settings);
    const made = await attachmentText(ctx, p, settings.attachment_describe_max_bytes);
    const answer = await ctx.effects.models.embed([made.text]);
    const record = {
      id: p.urn,
      embedding: answer.vectors[0] ?? [],
      document: made.text,
      metadata: {
        urn: p.urn,
        message_urn: p.message.urn,
        channel_id: p.channel.foreign_id,
        filename: p.filename,
        content_type: p.stored?.content_type ?? p.declared_content_type ?? 'application/octet-stream',
        size: p.stored?.size ?? p.declared_size,
        status: p.status,
        posted_at: p.posted_at,
        text_source: made.source,
        ...(p.author && { author_id: p.author.foreign_id }),
        ...(made.describedBy && { described_by: made.describedBy.name }),
      },
    };
    await ctx.effects.vectors.upsert('attachments', [record], {
      model: answer.model,
      dimension: answer.dimension,
    });
    ctx.telemetry.info('attachment embedded', { urn: p.urn, source: made.source });
  })
  .on(SocialMessageDeleted, async (msg, ctx) => {
    if (ctx.tenantView.config.storage.vectors === 'none') return;
    const docs = await ctx.effects.documents.find(
      'attachments',
      { message_id: msg.payload.foreign_id },
      { includeDeleted: true },
    );
    if (docs.length === 0) return;
    await ctx.effects.vectors.delete(
      'attachments',
      docs.map((d) => d.urn),
    );
    ctx.telemetry.info('attachment vectors removed', { message: msg.payload.urn, count: docs.length });
  })
  .build();
