/**
 * One Discord message through five hops, with the real agents on an in-memory bus and the fake Discord:
 * gateway (dispatch → raw event → SocialMessageCreated) → message-indexer, message-embedder, cephalon →
 * PostMessage → discord-rest (which posts to the fake). Every envelope derived from another carries the
 * root's trace id and its parent's id; the hops the isolate records rebuild the same tree. A message that
 * does not address the bot never reaches cephalon (its input filter): counted, no hop.
 */

import { OfflineModelPort } from '@promethean/functions/models/offline-model-port';
import type { Envelope } from '@promethean/schemas/envelope';
import { sequentialIds } from '@promethean/shared/agent/envelope-factory';
import { RecordingSink } from '@promethean/shared/agent/telemetry';
import { InMemoryBroker } from '@promethean/shared/broker/in-memory-broker';
import { MemoryDocumentStore } from '@promethean/shared/effects/memory-document-store';
import { MemoryVectorStore } from '@promethean/shared/effects/memory-vector-store';
import { IsolateOps } from '@promethean/shared/ops/isolate-ops';
import { assembleTrace } from '@promethean/shared/ops/trace-hops';
import { FakeClock } from '@promethean/shared/testing/fake-clock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { discordRest } from '../../durable-objects/discord-rest/handler.ts';
import { dispatchEnvelopes } from '../../durable-objects/gateway/dispatch-publisher.ts';
import { cephalon } from '../../functions/agents/cephalon/handler.ts';
import { messageEmbedder } from '../../functions/agents/message-embedder/handler.ts';
import { messageIndexer } from '../../functions/agents/message-indexer/handler.ts';
import { type FakeDiscord, startFakeDiscord } from '../fake-discord/fake-discord-rest.ts';
import { testRegistry } from '../harness/recording-runtime.ts';
import { fakeDiscordRestPort } from './fake-discord-rest-port.ts';
import { InMemoryAgentHost } from './in-memory-agent-host.ts';

const TOKEN = 'trace-test-bot';
const BOT = '900000000000000101';
const GUILD = '800000000000000001';
const CHANNEL = '700000000000000077';
const clock = new FakeClock(Date.UTC(2026, 10, 20, 10));
let fake: FakeDiscord;

beforeAll(async () => {
  fake = await startFakeDiscord({
    tokens: { [TOKEN]: { botUserId: BOT, applicationId: '900000000000000001' } },
    now: () => clock.now(),
    seed: 'message-trace',
  });
});
afterAll(async () => fake?.stop());

function messageCreate(id: string, content: string, mentions = [{ id: BOT, username: 'duck', bot: true }]) {
  return {
    id,
    channel_id: CHANNEL,
    guild_id: GUILD,
    author: { id: '300000000000000001', username: 'ada', global_name: 'Ada L', bot: false },
    content,
    timestamp: '2026-11-20T10:00:00.000000+00:00',
    edited_timestamp: null,
    mentions,
    mention_roles: [],
    mention_everyone: false,
    attachments: [],
    type: 0,
    tts: false,
    pinned: false,
    embeds: [],
    flags: 0,
  };
}

function pipeline() {
  const broker = new InMemoryBroker({ clock });
  const documents = new MemoryDocumentStore();
  const vectors = new MemoryVectorStore('discord', 'duck');
  const ops = new IsolateOps({ worker: 'test', agents: [], clock });
  const host = new InMemoryAgentHost({
    broker,
    agents: [messageIndexer, messageEmbedder, cephalon, discordRest],
    observer: ops.observer(),
    deps: {
      registry: testRegistry(),
      ports: () => ({
        documents,
        vectors,
        models: new OfflineModelPort(),
        provider: fakeDiscordRestPort(fake.restUrl, TOKEN),
      }),
      sink: new RecordingSink(),
      clock,
      ids: sequentialIds('t'),
      runtimeIds: sequentialIds('rt'),
    },
  }).start();
  const seen: Envelope[] = [];
  broker.subscribe('promethean.p.*.t.*.*.>', (e) => {
    seen.push(e);
  });
  return { broker, host, ops, seen };
}

describe('one Discord message, five hops', () => {
  it('carries one trace id and a parent chain from the gateway to the REST call', async () => {
    fake.reset();
    fake.state.seedChannel(CHANNEL, { guildId: GUILD, messages: 0 });
    const { broker, host, ops, seen } = pipeline();
    const tenant = testRegistry().tenant('discord', 'duck');
    const dispatched = dispatchEnvelopes(
      tenant,
      'session-1',
      41,
      'MESSAGE_CREATE',
      messageCreate('1100000000000000777', `<@${BOT}> what is on the pond today?`),
      BOT,
      '2026-11-20T10:00:01.000Z',
    );
    const [raw, created] = dispatched.published;
    for (const e of dispatched.published) await broker.publish(e);
    await broker.drain();
    expect(host.failures()).toEqual([]);

    // Hop 1, the gateway: the normalized event is derived from the raw dispatch, which starts the trace.
    expect(raw?.trace).toBeUndefined();
    expect(raw?.parent).toBeUndefined();
    expect(created).toMatchObject({ intent: 'SocialMessageCreated', trace: raw?.id, parent: raw?.id });

    // Hops 2–4: indexer, embedder and cephalon each handled the created event.
    const handled = (id: string | undefined) =>
      host.outcomes.filter((o) => o.envelope.id === id && o.outcome === 'ok').map((o) => o.agent);
    expect(handled(created?.id).sort()).toEqual(['cephalon', 'message-embedder', 'message-indexer']);

    // Cephalon's reply is derived from the created event; hop 5, discord-rest, handled it and posted.
    const post = seen.find((e) => e.intent === 'PostMessage');
    expect(post).toMatchObject({ src: 'cephalon', trace: raw?.id, parent: created?.id });
    expect(handled(post?.id)).toEqual(['discord-rest']);
    expect(fake.state.channels.get(CHANNEL)?.messages).toHaveLength(1);

    // Everything on the bus after the root belongs to the same trace, and each parent was seen first.
    const ids = new Set<string>();
    for (const e of seen) {
      if (e.id !== raw?.id) {
        expect(e.trace, e.intent).toBe(raw?.id);
        expect(ids.has(e.parent ?? ''), `${e.intent}'s parent ${e.parent}`).toBe(true);
      }
      ids.add(e.id);
    }

    // The hops the isolate flushes to the ledger rebuild the tree the status page shows.
    const delta = ops.recorder.takeDelta({ worker: 'test', isolate: 'i', at: clock.now(), health: [] });
    const steps = assembleTrace(delta.hops ?? []);
    expect(steps.map((s) => [s.intent, s.depth, s.agents])).toEqual([
      ['SocialMessageCreated', 0, ['cephalon', 'message-embedder', 'message-indexer']],
      ['PostMessage', 1, ['discord-rest']],
    ]);
    expect(new Set(delta.hops?.map((h) => h.trace))).toEqual(new Set([raw?.id]));
  });

  it('does not hand cephalon a message that does not address the bot: counted as filtered, no hop', async () => {
    fake.reset();
    fake.state.seedChannel(CHANNEL, { guildId: GUILD, messages: 0 });
    const { broker, host, ops, seen } = pipeline();
    const tenant = testRegistry().tenant('discord', 'duck');
    const dispatched = dispatchEnvelopes(
      tenant,
      'session-1',
      42,
      'MESSAGE_CREATE',
      messageCreate('1100000000000000778', 'the pond is frozen today', []),
      BOT,
      '2026-11-20T10:00:02.000Z',
    );
    const created = dispatched.published[1];
    for (const e of dispatched.published) await broker.publish(e);
    await broker.drain();
    expect(host.failures()).toEqual([]);
    expect(
      host.outcomes
        .filter((o) => o.envelope.id === created?.id)
        .map((o) => o.agent)
        .sort(),
    ).toEqual(['message-embedder', 'message-indexer']);
    expect(host.filtered.map((f) => [f.agent, f.envelope.id])).toEqual([['cephalon', created?.id]]);
    expect(seen.some((e) => e.intent === 'PostMessage')).toBe(false);
    const delta = ops.recorder.takeDelta({ worker: 'test', isolate: 'i', at: clock.now(), health: [] });
    expect(assembleTrace(delta.hops ?? []).map((s) => [s.intent, s.agents])).toEqual([
      ['SocialMessageCreated', ['message-embedder', 'message-indexer']],
    ]);
    expect(delta.agents.find((a) => a.agent === 'cephalon')).toMatchObject({ count: 0, filtered: 1 });
  });
});
