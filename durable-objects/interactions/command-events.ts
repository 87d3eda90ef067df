/**
 * Slash commands → bus events: each command's options are validated (zod) into one of the
 * `interaction.*` events. Unknown commands and bad options become a message for the user, never an
 * exception. The limits match the command definitions registered with the provider.
 */
import {
  InteractionAsk,
  InteractionBackfill,
  InteractionSearch,
  InteractionStatus,
  InteractionVoice,
} from '@promethean/schemas/interactions/interaction-commands';
import type { MessageDefinition } from '@promethean/schemas/message-definition';
import { checkPayload } from '@promethean/shared/agent/envelope-factory';
import type { ChannelOptionValue, SlashCommandCall } from '@promethean/shared/platform/slash-command';
import { z } from 'zod';

/** A command ready for the bus: its event, payload, and whether only the caller sees the answer. */
export interface CommandEvent {
  def: MessageDefinition;
  payload: Record<string, unknown>;
  ephemeral: boolean;
}

export type CommandEventResult = { ok: true; event: CommandEvent } | { ok: false; message: string };

const ChannelRef = z.object({
  urn: z.string(),
  foreign_id: z.string(),
  name: z.string().optional(),
});
const channelOf = (kind: ChannelOptionValue['kind'], what: string) =>
  z
    .object({ channel: ChannelRef, kind: z.string() }, { error: `must be a ${what}` })
    .refine((v) => v.kind === kind, `must be a ${what}`)
    .transform((v) => v.channel);

const Text = (max: number) =>
  z
    .string({ error: 'must be text' })
    .trim()
    .min(1, 'must not be empty')
    .max(max, `must be at most ${max} characters`);
const Int = (min: number, max: number) =>
  z
    .number({ error: 'must be a whole number' })
    .int('must be a whole number')
    .min(min, `must be between ${min} and ${max}`)
    .max(max, `must be between ${min} and ${max}`);

interface CommandSpec {
  /** `${command}` or `${command} ${subcommand}`. */
  options: z.ZodType<Record<string, unknown>>;
  def: MessageDefinition;
  ephemeral: boolean;
  payload: (options: Record<string, unknown>) => Record<string, unknown>;
}

const COMMANDS: Record<string, CommandSpec> = {
  ask: {
    options: z.strictObject({ question: Text(2000) }),
    def: InteractionAsk,
    ephemeral: false,
    payload: (o) => ({ question: o.question }),
  },
  search: {
    options: z.strictObject({
      query: Text(500),
      limit: Int(1, 10).optional(),
      source: z.enum(['messages', 'web']).optional(),
    }),
    def: InteractionSearch,
    ephemeral: true,
    payload: (o) => ({ query: o.query, limit: o.limit ?? 5, source: o.source ?? 'messages' }),
  },
  backfill: {
    options: z.strictObject({
      channel: channelOf('text', 'text channel'),
      limit: Int(1, 1_000_000).optional(),
    }),
    def: InteractionBackfill,
    ephemeral: false,
    payload: (o) => ({ target_channel: o.channel, ...(o.limit !== undefined && { limit: o.limit }) }),
  },
  'voice join': {
    options: z.strictObject({ channel: channelOf('voice', 'voice channel') }),
    def: InteractionVoice,
    ephemeral: false,
    payload: (o) => ({ action: 'join', voice_channel: o.channel }),
  },
  'voice leave': {
    options: z.strictObject({}),
    def: InteractionVoice,
    ephemeral: false,
    payload: () => ({ action: 'leave' }),
  },
  status: {
    options: z.strictObject({}),
    def: InteractionStatus,
    ephemeral: true,
    payload: () => ({}),
  },
};

/** The commands this platform answers, as `name` or `name subcommand`. */
export const KNOWN_COMMANDS = Object.keys(COMMANDS);

function describe(error: z.ZodError): string {
  return error.issues
    .map((i) => {
      if (i.code === 'unrecognized_keys') return `unknown option ${i.keys.map((k) => `\`${k}\``).join(', ')}`;
      const name = i.path[0];
      if (name === undefined) return i.message;
      return i.code === 'invalid_type' && i.input === undefined
        ? `\`${String(name)}\` is required`
        : `\`${String(name)}\` ${i.message}`;
    })
    .join('; ');
}

/** Validates a command's options and builds its bus event payload (`received_at` as ISO time). */
export function commandEvent(call: SlashCommandCall, receivedAt: number): CommandEventResult {
  const name = call.subcommand ? `${call.command} ${call.subcommand}` : call.command;
  const spec = COMMANDS[name];
  if (!spec) {
    const known = [...new Set(KNOWN_COMMANDS.map((c) => `/${c.split(' ')[0]}`))].join(', ');
    return { ok: false, message: `Duck does not know \`/${name}\`. Try ${known}.` };
  }
  const options = spec.options.safeParse(call.options);
  if (!options.success) return { ok: false, message: `\`/${name}\`: ${describe(options.error)}.` };
  const payload = {
    interaction_urn: call.interaction_urn,
    user: call.user,
    channel: call.channel,
    ...(call.space && { space: call.space }),
    ...(call.locale && { locale: call.locale }),
    received_at: new Date(receivedAt).toISOString(),
    ...spec.payload(options.data),
  };
  // Checked here to tell the user what is wrong; `createEnvelope` wraps this result without a second parse.
  const checked = checkPayload(spec.def, payload);
  if (!checked.success) return { ok: false, message: `\`/${name}\`: ${describe(checked.error)}.` };
  return {
    ok: true,
    event: { def: spec.def, payload: checked.data as Record<string, unknown>, ephemeral: spec.ephemeral },
  };
}
