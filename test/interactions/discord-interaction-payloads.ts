/**
 * Discord interaction bodies for tests, shaped like the ones Discord POSTs to an Interactions
 * Endpoint URL (https://discord.com/developers/docs/interactions/receiving-and-responding).
 */

export const TEST_GUILD = '800000000000000001';
export const TEST_CHANNEL = '700000000000000001';
export const TEST_VOICE_CHANNEL = '700000000000000002';
export const TEST_USER = '600000000000000001';

let counter = 0;
/** A fresh snowflake-shaped interaction id. */
export function nextInteractionId(): string {
  counter += 1;
  return String(1_300_000_000_000_000_000n + BigInt(Date.now()) * 1000n + BigInt(counter));
}

export interface CommandInit {
  name: string;
  options?: unknown[];
  resolvedChannels?: Record<string, { id: string; type: number; name: string }>;
  id?: string;
  token?: string;
  applicationId?: string;
}

/** A PING (type 1). */
export function pingInteraction(applicationId: string, id = nextInteractionId()) {
  return { id, application_id: applicationId, type: 1, token: `ping-token-${id}`, version: 1 };
}

/** An APPLICATION_COMMAND (type 2) in a guild text channel. */
export function commandInteraction(init: CommandInit) {
  const id = init.id ?? nextInteractionId();
  return {
    id,
    application_id: init.applicationId ?? '900000000000000001',
    type: 2,
    token: init.token ?? `aW50ZXJhY3Rpb24tdG9rZW4-${id}-secret`,
    version: 1,
    guild_id: TEST_GUILD,
    channel_id: TEST_CHANNEL,
    channel: { id: TEST_CHANNEL, type: 0, name: 'general' },
    member: { user: { id: TEST_USER, username: 'ada', global_name: 'Ada' }, roles: [] },
    locale: 'en-US',
    data: {
      id: '1100000000000000001',
      name: init.name,
      type: 1,
      options: init.options ?? [],
      ...(init.resolvedChannels && { resolved: { channels: init.resolvedChannels } }),
    },
  };
}

/** Channel option helpers: a text and a voice channel with their resolved data. */
export const textChannelOption = (name = 'channel') => ({
  options: [{ name, type: 7, value: TEST_CHANNEL }],
  resolvedChannels: { [TEST_CHANNEL]: { id: TEST_CHANNEL, type: 0, name: 'general' } },
});
export const voiceChannelResolved = {
  [TEST_VOICE_CHANNEL]: { id: TEST_VOICE_CHANNEL, type: 2, name: 'lounge' },
};
