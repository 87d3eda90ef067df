/**
 * One reply, from question to PostMessage, exactly once per input: the reply is stored under a key
 * derived from the input's URN before anything is published, the first stored text wins when
 * deliveries race, and every delivery publishes that same text under the same ids and idempotency
 * key (the access layer posts a key once). A redelivery after the reply was stored does not call
 * the model again.
 */
import { PostMessage } from '@promethean/schemas/commands/post-message';
import type { ModelRef } from '@promethean/schemas/envelope';
import { ReplyMessage } from '@promethean/schemas/events/social-message';
import { ModerationNotice } from '@promethean/schemas/ops/moderation-notice';
import { deterministicId } from '@promethean/shared/agent/deterministic-id';
import { modelRefOf } from '@promethean/shared/agent/model-ref';
import type { RuntimeContext } from '@promethean/shared/agent/runtime-context';
import type { StoredDocument } from '@promethean/shared/effects/document-store';
import type { CompletionRequest, ModelAnswer } from '@promethean/shared/effects/effect-ports';
import { EffectUnavailableError } from '@promethean/shared/effects/policy-effects';
import { type CephalonSettings, cephalonSettings, configRevision } from './cephalon-settings.ts';
import { defuseMentions } from './mention-defuser.ts';
import { type ModerationFinding, moderationFindings } from './moderation-findings.ts';
import { gatherContext } from './reply-context.ts';
import { buildPrompt } from './reply-prompt.ts';

export interface ReplyRequest {
  /** The message or interaction being answered; every output id derives from it. */
  sourceUrn: string;
  question: string;
  askerName: string;
  channel: { urn: string; foreign_id: string; name?: string | undefined };
  /** The guild it was asked in; undefined in a direct message (retrieval then reads only that DM). */
  space?: { foreign_id: string } | undefined;
  /** The message to thread the reply under (not for interactions). */
  replyTo?: string | undefined;
  interactionUrn?: string | undefined;
}

export interface StoredReply {
  text: string;
  offline: boolean;
  models: ModelRef[];
  config_rev: string;
  /** What operators are told about (absent in replies stored before notices existed). */
  moderation?: ModerationFinding[];
}

const EMPTY_ANSWER = 'I have nothing useful to say to that.';

/** The text that is posted: trimmed, labelled when offline, mentions defused, within the length limit. */
export function finalText(raw: string, offline: boolean, maxChars: number): string {
  let text = raw.trim() === '' ? EMPTY_ANSWER : raw.trim();
  if (offline && !/offline/i.test(text)) text = `[offline] ${text}`;
  text = defuseMentions(text);
  return text.length <= maxChars ? text : `${text.slice(0, maxChars - 1)}…`;
}

/** How a reply is worded: the text prompt by default; the voice binding speaks (voice-reply.ts). */
export interface ReplyStyle {
  system?: string;
  maxChars?: number;
}

async function writeReply(
  ctx: RuntimeContext,
  req: ReplyRequest,
  s: CephalonSettings,
  style: ReplyStyle = {},
): Promise<StoredReply> {
  const context = await gatherContext(
    ctx,
    {
      question: req.question,
      channelId: req.channel.foreign_id,
      spaceId: req.space?.foreign_id,
      excludeUrn: req.sourceUrn,
    },
    s,
  );
  const prompt = buildPrompt({
    question: req.question,
    askerName: req.askerName,
    context,
    maxContextChars: s.reply_max_context_chars,
    maxTokens: s.reply_max_tokens,
  });
  const request = style.system !== undefined ? { ...prompt, system: style.system } : prompt;
  const answer = await answerWith(ctx, req, s, request);
  const refused = answer.refused === true || answer.finish_reason === 'content_filter';
  return {
    text: finalText(answer.text, answer.offline, style.maxChars ?? s.reply_max_chars),
    offline: answer.offline,
    models: [context.embedModel, modelRefOf('llm', answer)],
    config_rev: await configRevision(s),
    moderation: moderationFindings({ question: req.question, answer: answer.text, refused }),
  };
}

/**
 * The model's answer: through the gateway's tool loop for /ask when the tenant opted in (tools scoped to the
 * asking channel), else a plain completion. Without a tools port (no model server) /ask answers without tools.
 */
async function answerWith(
  ctx: RuntimeContext,
  req: ReplyRequest,
  s: CephalonSettings,
  request: CompletionRequest,
): Promise<ModelAnswer & { text: string }> {
  if (s.ask_tools && req.interactionUrn !== undefined) {
    try {
      const answer = await ctx.effects.tools.chat({
        ...request,
        channel_id: req.channel.foreign_id,
        max_rounds: s.ask_tool_rounds,
      });
      ctx.telemetry.info('answered /ask with tools', {
        source: req.sourceUrn,
        tools: answer.tool_calls.map((c) => `${c.name}:${c.ok ? 'ok' : 'failed'}`).join(','),
      });
      return answer;
    } catch (e) {
      if (!(e instanceof EffectUnavailableError)) throw e;
      ctx.telemetry.info('no tools port; answering /ask without tools', { source: req.sourceUrn });
    }
  }
  return ctx.effects.models.complete(request);
}

/**
 * Publishes the reply's moderation notices; ids derive from the source and the kind, so every delivery
 * publishes the same notices and a redelivery overwrites instead of adding one.
 */
export async function publishModerationNotices(
  ctx: RuntimeContext,
  req: Pick<ReplyRequest, 'sourceUrn' | 'channel'>,
  reply: StoredReply,
): Promise<void> {
  for (const finding of reply.moderation ?? []) {
    await ctx.effects.publish(
      ModerationNotice,
      {
        agent: ctx.agent.id,
        kind: finding.kind,
        source_urn: req.sourceUrn,
        channel: { urn: req.channel.urn, foreign_id: req.channel.foreign_id },
        detail: finding.detail,
        ...(finding.count !== undefined && { count: finding.count }),
      },
      { id: await deterministicId(['cephalon', 'moderation.notice', finding.kind, req.sourceUrn]) },
    );
  }
}

function replyDocument(
  ctx: RuntimeContext,
  key: string,
  req: ReplyRequest,
  reply: StoredReply,
): StoredDocument {
  return {
    provider: ctx.provider,
    tenant: ctx.tenant,
    foreign_id: key,
    urn: req.sourceUrn,
    index: { kind: 'reply', channel_id: req.channel.foreign_id },
    // One constant version: the first reply stored wins every race, later ones are "unchanged".
    slots: { reply: { version: '1', value: reply } },
  };
}

/**
 * The reply to `req`, written once: a stored reply (from an earlier delivery) is returned as it is, so a
 * redelivery never calls the model again and every delivery publishes the same text. `key` is the reply id.
 */
export async function storedReply(
  ctx: RuntimeContext,
  req: ReplyRequest,
  style: ReplyStyle = {},
): Promise<{ key: string; reply: StoredReply }> {
  const s = cephalonSettings(ctx);
  const key = await deterministicId(['cephalon', req.sourceUrn]);
  let doc = await ctx.effects.documents.get('jobs', key);
  if (!doc?.slots.reply) {
    const reply = await writeReply(ctx, req, s, style);
    await ctx.effects.documents.upsertMany('jobs', [replyDocument(ctx, key, req, reply)]);
    doc = await ctx.effects.documents.get('jobs', key);
  } else {
    ctx.telemetry.info('reply already written; publishing it again', { source: req.sourceUrn });
  }
  const reply = doc?.slots.reply?.value as StoredReply | undefined;
  if (!reply) throw new Error(`reply ${key} was written but cannot be read back`);
  return { key, reply };
}

/** Writes (or finds) the reply, then publishes reply.message and PostMessage with derived ids. */
export async function replyOnce(ctx: RuntimeContext, req: ReplyRequest): Promise<void> {
  const { key, reply } = await storedReply(ctx, req);
  const options = { models: reply.models, config_rev: reply.config_rev };
  await ctx.effects.publish(
    ReplyMessage,
    {
      reply_id: key,
      in_reply_to: req.sourceUrn,
      channel: {
        urn: req.channel.urn,
        foreign_id: req.channel.foreign_id,
        ...(req.channel.name && { name: req.channel.name }),
      },
      text: reply.text,
      mode: 'text',
      offline: reply.offline,
    },
    { ...options, id: await deterministicId(['cephalon', 'reply.message', req.sourceUrn]) },
  );
  await ctx.effects.publish(
    PostMessage,
    {
      channel: { urn: req.channel.urn, foreign_id: req.channel.foreign_id },
      content: reply.text,
      ...(req.replyTo !== undefined && { reply_to: req.replyTo }),
      // Nobody is pinged: the access layer sends allowed_mentions {parse: [], users: []}.
      mention_users: [],
      idempotency_key: key,
      ...(req.interactionUrn !== undefined && { interaction_urn: req.interactionUrn }),
    },
    { ...options, id: await deterministicId(['cephalon', 'PostMessage', req.sourceUrn]) },
  );
  await publishModerationNotices(ctx, req, reply);
}
