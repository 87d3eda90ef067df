/** The echo provider's input: scripted chat lines, validated, turned into normalized message events. */
import type { SocialMessageCreated } from '@promethean/schemas/events/social-message';
import type { PayloadOf } from '@promethean/schemas/message-definition';
import { z } from 'zod';
import { toUrn } from '../../platform/urns.ts';

const Name = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'lowercase letters, digits, _ and -');

export const EchoScriptLine = z.object({
  channel: Name.default('general'),
  author: z.object({ id: Name, name: z.string().min(1).max(80), bot: z.boolean().default(false) }),
  content: z.string().min(1).max(4000),
  /** Optional stable id: replaying the same script then never duplicates a message. */
  id: z
    .string()
    .regex(/^\d{1,19}$/)
    .optional(),
  reply_to: z
    .string()
    .regex(/^\d{1,19}$/)
    .optional(),
  mentions_bot: z.boolean().default(false),
  direct: z.boolean().default(false),
});
export type EchoScriptLine = z.infer<typeof EchoScriptLine>;

export const EchoScript = z.object({ messages: z.array(EchoScriptLine).min(1).max(500) });

/** Message ids are numeric strings, so they sort like Discord snowflakes. */
export function echoMessageId(seq: number): string {
  return String(1_000_000_000 + seq);
}

/** Normalizes one line; `createdAt` comes from the adapter's clock so outputs stay deterministic in tests. */
export function normalizeEchoLine(
  line: EchoScriptLine,
  tenant: string,
  foreignId: string,
  createdAt: string,
  botUserId: string,
): PayloadOf<typeof SocialMessageCreated> {
  const urn = (kind: string, id: string) => toUrn({ provider: 'echo', kind, tenant, id });
  return {
    urn: urn('message', foreignId),
    foreign_id: foreignId,
    channel: { urn: urn('channel', line.channel), foreign_id: line.channel, name: line.channel },
    is_direct: line.direct,
    author: {
      urn: urn('user', line.author.id),
      foreign_id: line.author.id,
      name: line.author.name,
      bot: line.author.bot,
    },
    content: line.content,
    created_at: createdAt,
    ...(line.reply_to !== undefined && { reply_to: line.reply_to }),
    attachments: [],
    mentions: {
      users: line.mentions_bot ? [botUserId] : [],
      roles: [],
      everyone: false,
      bot: line.mentions_bot,
    },
    provider_payload: { echo: line },
  };
}
