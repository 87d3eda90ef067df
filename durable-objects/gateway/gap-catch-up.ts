/**
 * No gap after a new session: Discord replays missed events only to a resumed session, so whatever a
 * channel received while the gateway had to identify afresh is never dispatched. The session remembers
 * the last message it published per recently active channel; after a re-identify it asks the backfill
 * agent to fetch each such channel's newest messages down to that one. The indexers upsert by the
 * message's foreign id, so a message that arrives both live and through the catch-up is stored once.
 */
import type { Envelope } from '@promethean/schemas/envelope';
import { BackfillEnqueue } from '@promethean/schemas/jobs/backfill-messages';
import { createEnvelope } from '@promethean/shared/agent/envelope-factory';

/** The newest message the session published in one channel. */
export interface ChannelMark {
  channel_id: string;
  guild_id?: string;
  last_id: string;
  /** When that message was published (ms). */
  at: number;
}

/** A span with no live session: opened when the session must identify afresh, closed at READY. */
export interface SessionGap {
  since: number;
  reason: string;
}

/** At most this many channels are remembered (and so caught up) per shard. */
export const CATCH_UP_CHANNELS = 50;
/** Only channels that received a message this recently are caught up. */
export const CATCH_UP_ACTIVE_MS = 24 * 60 * 60_000;
/** Each channel's catch-up stops after this many messages, so a long outage cannot start a flood. */
export const CATCH_UP_MESSAGE_LIMIT = 500;

const SNOWFLAKE = /^\d{1,20}$/;

/** Records a published MESSAGE_CREATE; the list stays bounded, most recently active channel last. */
export function markChannel(
  marks: readonly ChannelMark[],
  type: string,
  data: unknown,
  now: number,
): ChannelMark[] {
  if (type !== 'MESSAGE_CREATE' || typeof data !== 'object' || data === null) return [...marks];
  const { id, channel_id, guild_id } = data as Record<string, unknown>;
  if (typeof id !== 'string' || typeof channel_id !== 'string' || !SNOWFLAKE.test(id)) return [...marks];
  const previous = marks.find((m) => m.channel_id === channel_id);
  // Events may come out of order after a resume: never move a channel's mark backwards.
  const last_id = previous && BigInt(previous.last_id) > BigInt(id) ? previous.last_id : id;
  const mark: ChannelMark = {
    channel_id,
    ...(typeof guild_id === 'string' && { guild_id }),
    last_id,
    at: now,
  };
  return [...marks.filter((m) => m.channel_id !== channel_id), mark].slice(-CATCH_UP_CHANNELS);
}

/**
 * One backfill job per recently active channel, from the newest message down to (not including) the
 * last one seen. The job id derives from the new session, so republishing after a crash continues the
 * same jobs instead of starting more.
 */
export function catchUpEnqueues(
  tenant: string,
  sessionId: string,
  marks: readonly ChannelMark[],
  now: number,
): Envelope[] {
  return marks
    .filter((m) => now - m.at <= CATCH_UP_ACTIVE_MS)
    .map((m) => {
      const jobId = `catch-up-${sessionId}-${m.channel_id}`;
      return createEnvelope(
        BackfillEnqueue,
        {
          job_id: jobId,
          channel: { urn: `urn:discord:channel:${tenant}:${m.channel_id}`, foreign_id: m.channel_id },
          limit: CATCH_UP_MESSAGE_LIMIT,
          page_size: 100,
          after: m.last_id,
          ...(m.guild_id !== undefined && { space_id: m.guild_id }),
          attempt: 0,
        },
        { src: 'discord-gateway', provider: 'discord', tenant, id: `backfill:${jobId}:enqueue:0` },
      );
    });
}
