/**
 * cephalon: the reply agent — answers mentions, direct messages and /ask, once each, pinging nobody; and
 * in voice channels, each utterance's transcript with a spoken reply (voice-reply.ts).
 */
import { SocialMessageCreated } from '@promethean/schemas/events/social-message';
import { InteractionAsk } from '@promethean/schemas/interactions/interaction-commands';
import type { PayloadOf } from '@promethean/schemas/message-definition';
import { TranscriptSegment } from '@promethean/schemas/voice/voice-messages';
import { defineAgent } from '@promethean/shared/agent/agent-definition';
import type { RuntimeContext } from '@promethean/shared/agent/runtime-context';
import manifest from './agent.yml';
import { cephalonSettings } from './cephalon-settings.ts';
import { replyOnce } from './reply-flow.ts';
import { replyToTranscript } from './voice-reply.ts';

type Created = PayloadOf<typeof SocialMessageCreated>;

/** Chat messages are shorter than this; the bound keeps a pasted novel from filling the prompt. */
const MAX_QUESTION_CHARS = 4000;

/** Why a message is not answered, or undefined when it is. */
function notAddressed(ctx: RuntimeContext, p: Created): string | undefined {
  const botId = cephalonSettings(ctx).bot_user_id;
  if (p.author.bot) return 'written by a bot';
  if (botId !== undefined && p.author.foreign_id === botId) return 'written by this agent';
  if (!p.mentions.bot && !p.is_direct) return 'not addressed to the agent';
  return undefined;
}

/** The question without the mention that addressed the agent. */
function questionOf(ctx: RuntimeContext, p: Created): string {
  const botId = cephalonSettings(ctx).bot_user_id;
  const stripped = botId ? p.content.replaceAll(`<@${botId}>`, '').replaceAll(`<@!${botId}>`, '') : p.content;
  const question = stripped.trim().slice(0, MAX_QUESTION_CHARS);
  return question === '' ? '(they mentioned you without saying anything else)' : question;
}

export const cephalon = defineAgent(manifest, 'functions/agents/cephalon/agent.yml')
  .on(SocialMessageCreated, async (msg, ctx) => {
    const p = msg.payload;
    const skip = notAddressed(ctx, p);
    if (skip) {
      ctx.telemetry.info('not answering', { urn: p.urn, reason: skip });
      return;
    }
    await replyOnce(ctx, {
      sourceUrn: p.urn,
      question: questionOf(ctx, p),
      askerName: p.author.name ?? p.author.foreign_id,
      channel: p.channel,
      space: p.space,
      replyTo: p.foreign_id,
    });
  })
  .on(InteractionAsk, async (msg, ctx) => {
    const p = msg.payload;
    await replyOnce(ctx, {
      sourceUrn: p.interaction_urn,
      question: p.question,
      askerName: p.user.name ?? p.user.foreign_id,
      channel: p.channel,
      space: p.space,
      interactionUrn: p.interaction_urn,
    });
  })
  .on(TranscriptSegment, (msg, ctx) => replyToTranscript(ctx, msg.payload))
  .build();
