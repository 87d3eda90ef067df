/** Gateway scripting over HTTP (`POST /__fake/gateway`), for tools that cannot call the TS API. */
import { z } from 'zod';
import type { DiscordState } from './discord-state.ts';
import type { FakeDiscordGateway } from './fake-discord-gateway.ts';
import { plainUser } from './message-factory.ts';

const target = { session_id: z.string().default('all') };

/** The actions `POST /__fake/gateway` accepts, each mirroring a `FakeDiscordGateway` method. */
export const gatewayActionSchema = z.discriminatedUnion('action', [
  z.object({ ...target, action: z.literal('dispatch'), event: z.string(), data: z.unknown() }),
  /** A user posts in a channel: the message is stored and dispatched like any other. */
  z.object({
    action: z.literal('message_create'),
    channel_id: z.string().regex(/^\d+$/),
    content: z.string(),
    author_id: z.string().regex(/^\d+$/).default('200000000000000001'),
    username: z.string().optional(),
  }),
  z.object({ ...target, action: z.literal('reconnect') }),
  z.object({ ...target, action: z.literal('invalid_session'), resumable: z.boolean() }),
  z.object({
    ...target,
    action: z.literal('close'),
    code: z.number().int().min(1000).max(4999),
    reason: z.string().optional(),
  }),
  z.object({ ...target, action: z.literal('close_without_code') }),
  z.object({ ...target, action: z.literal('drop') }),
  z.object({ ...target, action: z.literal('request_heartbeat') }),
  z.object({ ...target, action: z.literal('withhold_acks'), count: z.number().int().positive().optional() }),
  z.object({ action: z.literal('expire_session'), session_id: z.string() }),
]);

/** A gateway action. */
export type GatewayAction = z.infer<typeof gatewayActionSchema>;

/** Runs an action; answers what the caller may want to see (sequence numbers or the message). */
export function runGatewayAction(
  gateway: FakeDiscordGateway,
  state: DiscordState,
  action: GatewayAction,
): unknown {
  switch (action.action) {
    case 'dispatch':
      return { seqs: gateway.dispatch(action.session_id, action.event, action.data) };
    case 'message_create':
      return state.createMessage({
        channelId: action.channel_id,
        author: plainUser(action.author_id, action.username),
        content: action.content,
      });
    case 'reconnect':
      return gateway.reconnect(action.session_id);
    case 'invalid_session':
      return gateway.invalidSession(action.session_id, action.resumable);
    case 'close':
      return gateway.close(action.session_id, action.code, action.reason);
    case 'close_without_code':
      return gateway.closeWithoutCode(action.session_id);
    case 'drop':
      return gateway.drop(action.session_id);
    case 'request_heartbeat':
      return gateway.requestHeartbeat(action.session_id);
    case 'withhold_acks':
      return gateway.withholdHeartbeatAcks(action.session_id, action.count);
    case 'expire_session':
      return gateway.expireSession(action.session_id);
  }
}
