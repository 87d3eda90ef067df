/** What identifies a voice session: who asked, in which tenant, guild and channel. */

export interface SessionInfo {
  readonly session_id: string;
  readonly provider: string;
  readonly tenant: string;
  readonly guild_id: string;
  readonly channel_id: string;
  readonly self_mute: boolean;
  readonly self_deaf: boolean;
}
