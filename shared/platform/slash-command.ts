/**
 * A slash command as an access-layer interaction adapter reads it, before it becomes a bus event: the
 * provider's shapes are gone, the interaction's credential (token) is still here and must never leave
 * the access layer.
 */

/** A user, channel or space named by URN, with the provider's id and display name. */
export interface SocialRefLite {
  urn: string;
  foreign_id: string;
  name?: string | undefined;
}

/** What kind of channel an option names; commands accept only the kinds they can use. */
export type ChannelKind = 'text' | 'voice' | 'other';

/** An option that names a channel, resolved by the provider. */
export interface ChannelOptionValue {
  channel: SocialRefLite;
  kind: ChannelKind;
}

export type CommandOptionValue = string | number | boolean | ChannelOptionValue;

/** One invocation of a slash command, provider-neutral. */
export interface SlashCommandCall {
  /** The provider's interaction id; with the tenant it names the interaction (and its URN). */
  interaction_id: string;
  interaction_urn: string;
  command: string;
  /** `/voice join` → command `voice`, subcommand `join`. */
  subcommand?: string | undefined;
  options: Readonly<Record<string, CommandOptionValue>>;
  user: SocialRefLite;
  channel: SocialRefLite;
  space?: SocialRefLite | undefined;
  locale?: string | undefined;
}

/** Whether an option value names a channel. */
export function isChannelOption(value: CommandOptionValue | undefined): value is ChannelOptionValue {
  return typeof value === 'object' && value !== null && 'channel' in value;
}
