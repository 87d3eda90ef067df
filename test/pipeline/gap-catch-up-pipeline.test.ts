/**
 * No gap after a new session, end to end in one process: live MESSAGE_CREATEs go through the gateway's
 * real publisher and gap tracker, then the session becomes invalid and the channels keep receiving
 * messages nobody dispatches; the catch-up jobs of the new session run through the real backfill,
 * discord-rest and message-indexer agents against the fake Discord. Every message ends up stored
 * exactly once, and the catch-up reads only down to the last message seen live.
 */

import type { Envelope } from '@promethean/schemas/envelope';
import { sequentialIds } from '@promethean/shared/agent/envelope-factory';
import { RecordingSink } from '@promethean/shared/agent/telemetry';
import { InMemoryBroker } from '@promethean/shared/broker/in-memory-broker';
import { MemoryDocumentStore } from '@promethean/shared/effects/memory-document-store';
import { MemoryLeases } from '@promethean/shared/effects/memory-leases';
import { FakeClock } from '@promethean/shared/testing/fake-clock';
import type { APIMessage } from 'discord-api-types/v10';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { discordRest } from '../../durable-objects/discord-rest/handler.ts';
import { dispatchEnvelopes } from '../../durable-objects/gateway/dispatch-publisher.ts';
import {
  type ChannelMark,
  catchUpEnqueues,
  markChannel,
} from '../../durable-objects/gateway/gap-catch-up.ts';
import { backfill } from '../../functions/agents/backfill/handler.ts';
import { messageIndexer } from '../../functions/agents/message-indexer/handler.ts';
import { messageView } from '../../functions/agents/message-indexer/message-document.ts';
import { type FakeDiscord, startFakeDiscord } from '../fake-discord/fake-discord-rest.ts';
import { testRegistry } from '../harness/recording-runtime.ts';
import { fakeDiscordRestPort } from './fake-discord-rest-port.ts';
import { InMemoryAgentHost } from './in-memory-agent-host.ts';

const TOKEN = 'gap-test-bot';
const GUILD = '800000000000000001';
const CHANNELS = ['700000000000000051', '700000000000000052', '700000000000000053'];
const QUIET_CHANNEL = '700000000000000054';
const clock = new FakeClock(Date.UTC(2026, 10, 20));
let fake: FakeDiscord;

beforeAll(async () => {
  fake = await startFakeDiscord({
    tokens: { [TOKEN]: { botUserId: '900000000000000101', applicationId: '900000000000000001' } },
    now: () => clock.now(),
    seed: 'gap-catch-up',
    rateLimits: { routes: { list_messages: { limit: 10_000, windowMs: 1_000 } } },
  });
});
afterAll(async () => fake?.stop());

function pipeline() {
  const broker = new InMemoryBroker({ clock, maxRedeliveries: 50, shuffle: { seed: 5 } });
  const documents = new MemoryDocumentStore();
  const host = new InMemoryAgentHost({
    broker,
    agents: [backfill, discordRest, messageIndexer],
    deps: {
      registry: testRegistry(),
      ports: (tenant) => ({
        documents,
        leases: new MemoryLeases(clock),
        ...(tenant.provider === 'discord' && { provider: fakeDiscordRestPort(fake.restUrl, TOKEN) }),
      }),
      sink: new RecordingSink(),
      clock,
      ids: sequentialIds('g'),
      runtimeIds: sequentialIds('rt'),
    },
  }).start();
  return { broker, documents, host };
}

/** The gateway's live path for one MESSAGE_CREATE: publish the envelopes, then move the channel mark. */
class LiveSession {
  marks: ChannelMark[] = [];
  #seq = 0;
  constructor(
    readonly sessionId: string,
    readonly broker: InMemoryBroker,
  ) {}
  async dispatch(message: APIMessage): Promise<void> {
    const data = { ...message, guild_id: GUILD };
    const outcome = dispatchEnvelopes(
      testRegistry().tenant('discord', 'duck'),
      this.sessionId,
      ++this.#seq,
      'MESSAGE_CREATE',
      data,
      '900000000000000101',
      new Date(clock.now()).toISOString(),
    );
    for (const e of outcome.published) await this.broker.publish(e as Envelope);
    this.marks = markChannel(this.marks, 'MESSAGE_CREATE', data, clock.now());
  }
}

function post(channel: string, content: string): APIMessage {
  clock.advance(1_000);
  return fake.state.createMessage({
    channelId: channel,
    author: {
      id: '300000000000000001',
      username: 'ada',
      discriminator: '0',
      global_name: null,
      avatar: null,
    },
    content,
  });
}

async function stored(documents: MemoryDocumentStore, channel: string) {
  const docs = await documents.find('messages', { channel_id: channel }, { limit: 10_000 });
  return docs.map(messageView).map((m) => m.foreign_id);
}

describe('catch-up after a new session', () => {
  it('stores every message sent during an invalid session exactly once', async () => {
    fake.reset();
    // History before the bot ever connected is not the catch-up's business.
    for (const c of [...CHANNELS, QUIET_CHANNEL])
      fake.state.seedChannel(c, { guildId: GUILD, messages: 150 });
    const { broker, documents, host } = pipeline();
    const live = new LiveSession('session-one', broker);
    const sent = new Map<string, string[]>(CHANNELS.map((c) => [c, []]));
    for (let i = 0; i < 12; i++) {
      const channel = CHANNELS[i % CHANNELS.length]!;
      const m = post(channel, `live ${i}`);
      sent.get(channel)!.push(m.id);
      await live.dispatch(m);
    }
    await broker.drain();
    // The session is invalidated; meanwhile two channels receive 130 and 7 messages, one receives none.
    for (let i = 0; i < 130; i++) sent.get(CHANNELS[0]!)!.push(post(CHANNELS[0]!, `gap a ${i}`).id);
    for (let i = 0; i < 7; i++) sent.get(CHANNELS[1]!)!.push(post(CHANNELS[1]!, `gap b ${i}`).id);
    // The new session's first live message arrives before the catch-up runs: stored both ways, kept once.
    const overlap = post(CHANNELS[1]!, 'first live message of the new session');
    sent.get(CHANNELS[1]!)!.push(overlap.id);
    const catchUp = catchUpEnqueues('duck', 'session-two', live.marks, clock.now());
    expect(catchUp).toHaveLength(CHANNELS.length);
    const fresh = new LiveSession('session-two', broker);
    await fresh.dispatch(overlap);
    for (const e of catchUp) await broker.publish(e);
    // A redelivered READY republishes the same jobs; they do not run twice.
    for (const e of catchUp) await broker.publish(e);
    await broker.drain();
    expect(host.failures()).toEqual([]);
    for (const channel of CHANNELS) {
      const ids = await stored(documents, channel);
      expect(new Set(ids).size).toBe(ids.length);
      expect(ids.sort()).toEqual([...sent.get(channel)!].sort());
    }
    expect(await stored(documents, QUIET_CHANNEL)).toEqual([]);
    // Bounded: channel A's 131 new messages took two pages, the others one each. (The republished jobs
    // ask for their latest page again, as a restarted backfill does; the pages asked for are the same.)
    const pages = new Set(
      fake.state.requests({ route: 'list_messages' }).map((r) => `${r.path}?${r.query.before ?? ''}`),
    );
    expect(pages.size).toBe(2 + 1 + 1);
  });
});
