/** Deterministic envelopes for the broker's own tests (chat events, REST request/response, health). */
import type { Envelope } from '@promethean/schemas/envelope';
import { SocialMessageCreated } from '@promethean/schemas/events/social-message';
import { Health } from '@promethean/schemas/ops/ops-messages';
import { RestRequest, RestResponse } from '@promethean/schemas/rest/rest-messages';
import { type Clock, createEnvelope, sequentialIds } from '../agent/envelope-factory.ts';

/** Where a test envelope comes from; defaults to discord/duck. */
export interface TestEnvelopeOptions {
  provider?: string;
  tenant?: string;
  corr?: string;
}

/** Builds envelopes with ids `msg-0001`, `msg-0002`, ... and a fixed timestamp unless a clock is given. */
export function testEnvelopes(clock: Clock = { now: () => Date.UTC(2025, 0, 1) }) {
  const ids = sequentialIds('msg');
  let chats = 0;
  const base = (o: TestEnvelopeOptions) => ({
    src: 'broker-test',
    provider: o.provider ?? 'discord',
    tenant: o.tenant ?? 'duck',
    clock,
    ids,
    ...(o.corr !== undefined && { corr: o.corr }),
  });
  return {
    chat(content: string, o: TestEnvelopeOptions = {}): Envelope {
      const tenant = o.tenant ?? 'duck';
      const provider = o.provider ?? 'discord';
      const ref = (kind: string, id: string) => ({
        urn: `urn:${provider}:${kind}:${tenant}:${id}`,
        foreign_id: id,
      });
      const payload = {
        ...ref('message', String(++chats)),
        channel: ref('channel', '10'),
        author: ref('user', '20'),
        content,
        created_at: '2025-01-01T00:00:00.000Z',
      };
      return createEnvelope(SocialMessageCreated, payload, base(o));
    },
    restRequest(o: TestEnvelopeOptions = {}): Envelope {
      const payload = {
        method: 'GET' as const,
        route: '/channels/{channel_id}',
        params: { channel_id: '10' },
      };
      return createEnvelope(RestRequest, payload, base(o));
    },
    restResponse(o: TestEnvelopeOptions = {}): Envelope {
      const payload = { ok: true, status: 200, bucket: null, retry_after_ms: null, data: { id: '10' } };
      return createEnvelope(RestResponse, payload, base(o));
    },
    health(agent: string, o: TestEnvelopeOptions = {}): Envelope {
      return createEnvelope(Health, { agent, state: 'RUNNING', ready: true, live: true }, base(o));
    },
  };
}

/** Topic patterns the broker tests subscribe to. */
export const TOPICS = {
  chat: 'promethean.p.discord.t.duck.events.SocialMessageCreated',
  anyChat: 'promethean.p.*.t.*.events.SocialMessageCreated',
  duckAll: 'promethean.p.discord.t.duck.>',
  restRequest: 'promethean.p.discord.t.duck.rest.request',
  restResponse: 'promethean.p.discord.t.duck.rest.response',
  health: 'promethean.p.discord.t.duck.ops.health',
} as const;
