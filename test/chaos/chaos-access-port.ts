/**
 * The provider port the chaos suite gives `discord-rest`: REST calls go to the fake Discord over a real
 * socket (backfill pages); posts are recorded per idempotency key, which is the contract the access layer
 * keeps with the workers — `RestBuckets` sends one message per key however often the command arrives
 * (its own tests cover that in workerd). The audit counts keys per mention: two keys would be two posts.
 */
import type { ProviderPort } from '@promethean/shared/effects/effect-ports';
import { fakeDiscordRestPort } from '../pipeline/fake-discord-rest-port.ts';

export interface RecordedPost {
  idempotency_key: string;
  channel_id: string;
  reply_to: string | undefined;
  content: string;
  /** How many times the command reached the access layer (redeliveries included). */
  attempts: number;
}

export interface ChaosAccessPort extends ProviderPort {
  readonly posts: Map<string, RecordedPost>;
}

export function chaosAccessPort(restUrl: string, botCredential: string): ChaosAccessPort {
  const rest = fakeDiscordRestPort(restUrl, botCredential);
  const posts = new Map<string, RecordedPost>();
  return {
    posts,
    restCall: (call) => rest.restCall(call),
    gatewayControl: async () => ({ status: 'not_applicable' }),
    async postMessage(command) {
      const seen = posts.get(command.idempotency_key);
      if (seen) seen.attempts++;
      else {
        posts.set(command.idempotency_key, {
          idempotency_key: command.idempotency_key,
          channel_id: command.channel.foreign_id,
          reply_to: command.reply_to,
          content: command.content,
          attempts: 1,
        });
      }
      return { foreign_ids: [`posted:${command.idempotency_key}`] };
    },
  };
}
