/**
 * The echo provider's slash commands: a small JSON interaction, signed like Discord's (Ed25519 over
 * timestamp + body in `X-Signature-Ed25519` / `X-Signature-Timestamp`), so the demo exercises the same
 * verification, deferral and answer path with no network.
 *
 * ```json
 * {"type":"ping","id":"p1"}
 * {"type":"command","id":"i1","command":"search","options":{"query":"ducks","limit":3},
 *  "user":{"id":"ada","name":"Ada"},"channel":"general"}
 * {"type":"command","id":"i2","command":"voice","subcommand":"join",
 *  "options":{"channel":{"channel":"lounge","kind":"voice"}},"user":{"id":"ada","name":"Ada"}}
 * ```
 */
import { z } from 'zod';
import type { CommandOptionValue, SlashCommandCall, SocialRefLite } from '../../platform/slash-command.ts';
import { toUrn } from '../../platform/urns.ts';

const Name = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'lowercase letters, digits, _ and -');

const ChannelOption = z.object({ channel: Name, kind: z.enum(['text', 'voice', 'other']).default('text') });

export const EchoInteraction = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ping'), id: Name }),
  z.object({
    type: z.literal('command'),
    id: Name,
    command: z.string().min(1).max(32),
    subcommand: z.string().min(1).max(32).optional(),
    options: z
      .record(z.string().min(1).max(32), z.union([z.string(), z.number(), z.boolean(), ChannelOption]))
      .default({}),
    user: z.object({ id: Name, name: z.string().min(1).max(80) }),
    channel: Name.default('general'),
  }),
]);
export type EchoInteraction = z.infer<typeof EchoInteraction>;

/** The echo network's interaction responses (the same meaning as Discord's types 1, 4 and 5). */
export const echoResponses = {
  pong: () => ({ type: 'pong' }),
  deferred: (ephemeral: boolean) => ({ type: 'deferred', ephemeral }),
  ephemeralMessage: (content: string) => ({ type: 'message', ephemeral: true, content }),
};

export type EchoInteractionReading =
  | { kind: 'ping'; interaction_id: string }
  | { kind: 'command'; call: SlashCommandCall };

/** The body is not an echo interaction (answered 400). */
export class MalformedEchoInteractionError extends Error {
  override readonly name = 'MalformedEchoInteractionError';
}

/** Reads a parsed JSON body into a provider-neutral command call. */
export function readEchoInteraction(json: unknown, tenant: string): EchoInteractionReading {
  const parsed = EchoInteraction.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new MalformedEchoInteractionError(`not an echo interaction: ${issues.join('; ')}`);
  }
  const interaction = parsed.data;
  if (interaction.type === 'ping') return { kind: 'ping', interaction_id: interaction.id };
  const ref = (kind: string, id: string, name?: string): SocialRefLite => ({
    urn: toUrn({ provider: 'echo', kind, tenant, id }),
    foreign_id: id,
    ...(name !== undefined && { name }),
  });
  const options: Record<string, CommandOptionValue> = {};
  for (const [name, value] of Object.entries(interaction.options)) {
    options[name] =
      typeof value === 'object'
        ? { channel: ref('channel', value.channel, value.channel), kind: value.kind }
        : value;
  }
  return {
    kind: 'command',
    call: {
      interaction_id: interaction.id,
      interaction_urn: toUrn({ provider: 'echo', kind: 'interaction', tenant, id: interaction.id }),
      command: interaction.command,
      ...(interaction.subcommand !== undefined && { subcommand: interaction.subcommand }),
      options,
      user: ref('user', interaction.user.id, interaction.user.name),
      channel: ref('channel', interaction.channel, interaction.channel),
    },
  };
}

/** How a command reads in the transcript, e.g. `/search query:ducks limit:3`. */
export function describeEchoCommand(call: SlashCommandCall): string {
  const parts = [`/${call.command}`, ...(call.subcommand ? [call.subcommand] : [])];
  for (const [name, value] of Object.entries(call.options)) {
    parts.push(`${name}:${typeof value === 'object' ? `#${value.channel.foreign_id}` : String(value)}`);
  }
  return parts.join(' ');
}
