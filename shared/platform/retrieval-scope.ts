/**
 * What a question may read back: retrieval for /search, /ask and replies is limited to the channel it
 * came from, or, where the tenant opts in (`guild`), to that channel's guild. A direct message has no
 * guild, so it reads only its own conversation. Nothing ever reads the tenant's whole index.
 */
import { z } from 'zod';

export const RetrievalScope = z
  .enum(['channel', 'guild'])
  .default('channel')
  .describe('channel: only the asking channel; guild: every indexed channel of the asking guild');
export type RetrievalScope = z.infer<typeof RetrievalScope>;

export interface AskedFrom {
  channelId: string;
  /** The guild (space); undefined in a direct message. */
  spaceId?: string | undefined;
}

/** The vector-store metadata filter for a question asked from `from` under `scope`. */
export function retrievalFilter(
  scope: RetrievalScope,
  from: AskedFrom,
): { channel_id: string } | { space_id: string } {
  if (scope === 'guild' && from.spaceId !== undefined && from.spaceId !== '')
    return { space_id: from.spaceId };
  return { channel_id: from.channelId };
}

/** Reads the scope from agent settings; anything unrecognised falls back to the narrowest scope. */
export function retrievalScopeSetting(value: unknown): RetrievalScope {
  const parsed = RetrievalScope.safeParse(value);
  return parsed.success ? parsed.data : 'channel';
}
