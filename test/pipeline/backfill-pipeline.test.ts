/**
 * Backfill end to end in one process: the real backfill, discord-rest and message-indexer agents on an
 * in-memory bus, against the fake Discord over a real socket. Workers die mid-handler and messages are
 * reordered and lost; the store must end equal to the channel's history, no gaps, no duplicates.
 */

import { BackfillEnqueue } from '@promethean/schemas/jobs/backfill-messages';
import { createEnvelope, sequentialIds } from '@promethean/shared/agent/envelope-factory';
import { RecordingSink } from '@promethean/shared/agent/telemetry';
import { InMemoryBroker } from '@promethean/shared/broker/in-memory-broker';
import { seededRandom } from '@promethean/shared/broker/seeded-random';
import { MemoryDocumentStore } from '@promethean/shared/effects/memory-document-store';
import { MemoryLeases } from '@promethean/shared/effects/memory-leases';
import { FakeClock } from '@promethean/shared/testing/fake-clock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { discordRest } from '../../durable-objects/discord-rest/handler.ts';
import { backfill } from '../../functions/agents/backfill/handler.ts';
import { messageIndexer } from '../../functions/agents/message-indexer/handler.ts';
import { messageView } from '../../functions/agents/message-indexer/message-document.ts';
import { type FakeDiscord, startFakeDiscord } from '../fake-discord/fake-discord-rest.ts';
import { testRegistry } from '../harness/recording-runtime.ts';
import { fakeDiscordRestPort } from './fake-discord-rest-port.ts';
import { InMemoryAgentHost } from './in-memory-agent-host.ts';

const TOKEN = 'pipeline-test-bot';
const CHANNEL = '700000000000000042';
const clock = new FakeClock(Date.UTC(2026, 10, 20));
let fake: FakeDiscord;

beforeAll(async () => {
  fake = await startFakeDiscord({
    tokens: { [TOKEN]: { botUserId: '900000000000000101', applicationId: '900000000000000001' } },
    now: () => clock.now(),
    seed: 'backfill-pipeline',
    // Rate limits have their own tests; here they would only slow the run down.
    rateLimits: { routes: { list_messages: { limit: 10_000, windowMs: 1_000 } } },
  });
});
afterAll(async () => fake?.stop());

class SimulatedCrash extends Error {
  override readonly name = 'SimulatedCrash';
}

function pipeline(options: { crashRate?: number; shuffleSeed?: number } = {}) {
  const broker = new InMemoryBroker({
    clock,
    maxRedeliveries: 50,
    ...(options.shuffleSeed !== undefined && { shuffle: { seed: options.shuffleSeed } }),
  });
  const documents = new MemoryDocumentStore();
  const random = seededRandom(7);
  const crashes = { count: 0 };
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
      ids: sequentialIds('p'),
      runtimeIds: sequentialIds('rt'),
    },
    beforeInvoke: () => {
      if (options.crashRate !== undefined && random.next() < options.crashRate) {
        crashes.count++;
        throw new SimulatedCrash('the worker died before starting');
      }
    },
    beforePublish: () => {
      if (options.crashRate !== undefined && random.next() < options.crashRate) {
        crashes.count++;
        throw new SimulatedCrash('the worker died between two side effects');
      }
    },
  }).start();
  return { broker, documents, host, crashes };
}

function enqueue(jobId: string, pageSize = 100) {
  return createEnvelope(
    BackfillEnqueue,
    {
      job_id: jobId,
      channel: { urn: `urn:discord:channel:duck:${CHANNEL}`, foreign_id: CHANNEL },
      page_size: pageSize,
    },
    {
      src: 'test',
      provider: 'discord',
      tenant: 'duck',
      id: `start:${jobId}`,
      clock,
      ids: sequentialIds('s'),
    },
  );
}

async function storedMessages(documents: MemoryDocumentStore) {
  const docs = await documents.find('messages', { channel_id: CHANNEL }, { limit: 10_000 });
  return docs.map(messageView).map((m) => ({ id: m.foreign_id, content: m.content }));
}

/** How often the fake was asked for a channel's newest page (a list request without a cursor). */
function newestPageRequests(): number {
  return fake.state.requests({ route: 'list_messages' }).filter((r) => r.query.before === undefined).length;
}

function history(channel: string) {
  const messages = fake.state.channels.get(channel)?.messages ?? [];
  return [...messages].reverse().map((m) => ({ id: m.id, content: m.content }));
}

describe('backfill pipeline against the fake Discord', () => {
  it('ends with exactly the channel history', async () => {
    fake.reset();
    fake.state.seedChannel(CHANNEL, { guildId: '800000000000000001', messages: 250 });
    const { broker, documents, host } = pipeline();
    await broker.publish(enqueue('happy'));
    await broker.drain();
    expect(host.failures()).toEqual([]);
    expect(await storedMessages(documents)).toEqual(history(CHANNEL));
    const done = broker.eventLog().filter((e) => e.kind === 'publish' && e.topic.endsWith('.messages.done'));
    expect(done).toHaveLength(1);
  });

  it('survives workers dying mid-batch and reordered deliveries', async () => {
    fake.reset();
    fake.state.seedChannel(CHANNEL, { guildId: '800000000000000001', messages: 420 });
    const { broker, documents, host, crashes } = pipeline({ crashRate: 0.3, shuffleSeed: 11 });
    await broker.publish(enqueue('crashy', 50));
    await broker.drain();
    expect(crashes.count).toBeGreaterThan(5);
    expect(host.failures()).toEqual([]);
    const stored = await storedMessages(documents);
    expect(stored).toEqual(history(CHANNEL));
    expect(new Set(stored.map((m) => m.id)).size).toBe(stored.length);
  });

  it('resumes from its checkpoint when restarted after the job was lost midway', async () => {
    fake.reset();
    fake.state.seedChannel(CHANNEL, { guildId: '800000000000000001', messages: 330 });
    const { broker, documents } = pipeline();
    // The continuation to page 2 is lost: the job stalls with two pages stored.
    broker.addFault({
      pattern: 'promethean.p.discord.t.duck.jobs.backfill.messages.enqueue',
      when: (env) => env.id === 'backfill:restart:enqueue:2',
      action: 'drop',
      times: 1,
    });
    await broker.publish(enqueue('restart'));
    await broker.drain();
    expect((await storedMessages(documents)).length).toBe(200);
    const firstPages = newestPageRequests();
    await broker.publish({ ...enqueue('restart'), id: 'restart:again' });
    await broker.drain();
    expect(await storedMessages(documents)).toEqual(history(CHANNEL));
    // Resumed from page 2's cursor: the newest page was not fetched again.
    expect(newestPageRequests()).toBe(firstPages);
  });
});
