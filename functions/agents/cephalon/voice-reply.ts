/**
 * The reply agent's voice binding: a transcript becomes a spoken reply (`reply.message`, mode `voice`),
 * under the same rules as text replies — the constant voice system prompt never contains user text, the
 * transcript is framed as untrusted data, offline answers say so, mentions are defused, and the reply is
 * written once per transcript (its key derives from the segment's URN), so redelivery republishes it.
 */
import { ReplyMessage } from '@promethean/schemas/events/social-message';
import type { PayloadOf } from '@promethean/schemas/message-definition';
import type { TranscriptSegment } from '@promethean/schemas/voice/voice-messages';
import { deterministicId } from '@promethean/shared/agent/deterministic-id';
import type { RuntimeContext } from '@promethean/shared/agent/runtime-context';
import { z } from 'zod';
import { segmentDocument, sessionDocumentId } from '../../voice/voice-documents.ts';
import { withHop } from '../../voice/voice-timing.ts';
import { publishModerationNotices, storedReply } from './reply-flow.ts';
import { VOICE_SYSTEM_PROMPT } from './system-prompt.ts';
import { noiseReason } from './voice-transcript.ts';

type Transcript = PayloadOf<typeof TranscriptSegment>;

const VoiceSettings = z.object({
  /** Spoken replies are short: a reply is cut to this many characters. */
  voice_reply_max_chars: z.number().int().min(50).max(2000).default(400),
});

/** The URN of the utterance a voice reply answers (also the segment document's URN). */
export function segmentUrn(
  provider: string,
  tenant: string,
  p: Pick<Transcript, 'session_id' | 'segment_id'>,
): string {
  return `urn:${provider}:voice-segment:${tenant}:${encodeURIComponent(p.session_id)}:${encodeURIComponent(p.segment_id)}`;
}

/** The voice channel of a session, from the `join` slot `/voice join` wrote; else the session itself. */
async function sessionChannel(
  ctx: RuntimeContext,
  sessionId: string,
): Promise<{ urn: string; foreign_id: string }> {
  const doc = await ctx.effects.documents.get('voice', sessionDocumentId(sessionId));
  const join = doc?.slots.join?.value as { channel_id?: unknown; channel_urn?: unknown } | undefined;
  if (typeof join?.channel_id === 'string' && typeof join.channel_urn === 'string') {
    return { urn: join.channel_urn, foreign_id: join.channel_id };
  }
  return {
    urn: `urn:${ctx.provider}:voice-session:${ctx.tenant}:${encodeURIComponent(sessionId)}`,
    foreign_id: sessionId,
  };
}

/** Answers one transcript with a spoken reply, or not at all when it is noise. */
export async function replyToTranscript(ctx: RuntimeContext, p: Transcript): Promise<void> {
  const started = ctx.clock.now();
  const noise = noiseReason(p.text);
  if (noise) {
    ctx.telemetry.info('not answering a transcript', {
      session_id: p.session_id,
      segment_id: p.segment_id,
      reason: noise,
    });
    return;
  }
  const settings = VoiceSettings.parse(ctx.settings);
  const sourceUrn = segmentUrn(ctx.provider, ctx.tenant, p);
  const channel = await sessionChannel(ctx, p.session_id);
  const { key, reply } = await storedReply(
    ctx,
    { sourceUrn, question: p.text, askerName: `speaker ${p.user_id}`, channel },
    { system: VOICE_SYSTEM_PROMPT, maxChars: settings.voice_reply_max_chars },
  );
  await ctx.effects.documents.upsertMany('voice', [
    segmentDocument(ctx, p, { reply: { reply_id: key, text: reply.text, offline: reply.offline } }),
  ]);
  await ctx.effects.publish(
    ReplyMessage,
    {
      reply_id: key,
      in_reply_to: sourceUrn,
      channel,
      text: reply.text,
      mode: 'voice',
      session_id: p.session_id,
      segment_id: p.segment_id,
      offline: reply.offline,
      timing: withHop(p.timing, p.ts_end ?? started, 'reply', ctx.message.ts, started, ctx.clock.now()),
    },
    {
      models: reply.models,
      config_rev: reply.config_rev,
      id: await deterministicId(['cephalon', 'reply.message', sourceUrn]),
    },
  );
  await publishModerationNotices(ctx, { sourceUrn, channel }, reply);
}
