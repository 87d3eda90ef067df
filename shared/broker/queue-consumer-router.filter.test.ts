import type { Envelope } from '@promethean/schemas/envelope';
import { SocialMessageCreated } from '@promethean/schemas/events/social-message';
import { testRegistry } from '@promethean/test/harness/recording-runtime';
import { describe, expect, it } from 'vitest';
import { defineAgent } from '../agent/agent-definition.ts';
import { createEnvelope, sequentialIds } from '../agent/envelope-factory.ts';
import { RecordingSink } from '../agent/telemetry.ts';
import { OpsRecorder } from '../ops/ops-recorder.ts';
import { FakeClock } from '../testing/fake-clock.ts';
import { type RecordedMessage, RecordingQueue, recordedBatch } from '../testing/queue-batch-double.ts';
import { QueueBroker } from './queue-broker.ts';
import { QueueConsumerRouter, type SettledMessage } from './queue-consumer-router.ts';

const manifest = (id: string, when?: string) => `id: ${id}
kind: stateless-worker
version: 1.0.0
description: counts the messages it is given
binds: { providers: ['*'], tenants: ['*'] }
inputs:
  - topic: promethean.p.*.t.*.events.SocialMessageCreated
    schema: SocialMessageCreated
${when ? `    when: ${when}\n` : ''}idempotency_key: '{provider}:{tenant}:{payload.foreign_id}'
`;

/** A router over agents that record what they are given: [id, when] (no `when`: no filter). */
function setup(agents: Array<[string, string?]>) {
  const broker = new QueueBroker({
    queues: { BUS_EVENTS: new RecordingQueue().asQueue(), BUS_ACCESS: new RecordingQueue().asQueue() },
  });
  const runs: string[] = [];
  const agent = (id: string, when?: string) =>
    defineAgent(manifest(id, when), `${id}.yml`)
      .on(SocialMessageCreated, async (msg) => {
        runs.push(`${id}:${msg.payload.content}`);
      })
      .build();
  const settled: SettledMessage[] = [];
  const hops: string[] = [];
  const recorder = new OpsRecorder();
  const router = new QueueConsumerRouter({
    agents: agents.map(([id, when]) => agent(id, when)),
    broker,
    deadLetters: { send: async () => {} },
    deps: {
      registry: testRegistry(),
      broker,
      ports: {},
      sink: new RecordingSink(),
      clock: new FakeClock(0),
      ids: sequentialIds('out'),
      runtimeIds: sequentialIds('rt'),
    },
    observer: {
      started: (a, e) => {
        hops.push(a.manifest.id);
        recorder.hop(a.manifest.id, e);
      },
      settled: (m) => {
        settled.push(m);
        recorder.settled(m);
      },
    },
  });
  return { router, runs, settled, hops, recorder };
}

const ids = sequentialIds('msg');
let n = 0;
function chat(content: string, o: { bot?: boolean; direct?: boolean; authorBot?: boolean } = {}): Envelope {
  const id = String(++n);
  const ref = (kind: string, fid: string) => ({ urn: `urn:echo:${kind}:demo:${fid}`, foreign_id: fid });
  return createEnvelope(
    SocialMessageCreated,
    {
      ...ref('message', id),
      channel: ref('channel', '10'),
      author: { ...ref('user', '20'), bot: o.authorBot ?? false },
      content,
      created_at: '2025-01-01T00:00:00.000Z',
      is_direct: o.direct ?? false,
      mentions: { users: [], roles: [], everyone: false, bot: o.bot ?? false },
    },
    { src: 'test', provider: 'echo', tenant: 'demo', clock: { now: () => 0 }, ids },
  );
}

const batch = (envelopes: Envelope[]) =>
  recordedBatch(
    'promethean-events',
    envelopes.map((envelope, i) => ({ id: `m${i}`, body: { v: 1, envelope } })),
  );

const settledKinds = (b: { messages: readonly RecordedMessage[] }) => b.messages.map((m) => m.settled);

describe('QueueConsumerRouter: input filters', () => {
  it('does not invoke an agent whose input filter refuses the payload; agents without a filter run', async () => {
    const t = setup([['indexer'], ['replier', '[addresses_agent, human_author]']]);
    const b = batch([
      chat('plain'),
      chat('mention', { bot: true }),
      chat('dm', { direct: true }),
      chat('bot mention', { bot: true, authorBot: true }),
    ]);
    const report = await t.router.consume(b);
    expect(t.runs.sort()).toEqual([
      'indexer:bot mention',
      'indexer:dm',
      'indexer:mention',
      'indexer:plain',
      'replier:dm',
      'replier:mention',
    ]);
    // Every message is settled: acked once by the indexer alone, or fanned out to both.
    expect(settledKinds(b)).toEqual(Array(4).fill({ kind: 'ack' }));
    expect([...report.values()].map((r) => r.settlement)).toEqual(['ack', 'fanout', 'fanout', 'ack']);
    // A refused delivery is observed as filtered (shared: the queue counts the message once), never started.
    expect(t.settled.filter((m) => m.outcome === 'filtered')).toEqual([
      expect.objectContaining({ agent: 'replier', intent: 'SocialMessageCreated', shared: true }),
      expect.objectContaining({ agent: 'replier', intent: 'SocialMessageCreated', shared: true }),
    ]);
    expect(t.hops.filter((a) => a === 'replier')).toHaveLength(2);
  });

  it('acks a message every subscriber filtered out, and counts it per agent without a hop or a run', async () => {
    const only = setup([['replier', '[addresses_agent]']]);
    const b = batch([chat('plain'), chat('hi', { bot: true })]);
    const report = await only.router.consume(b);
    expect(settledKinds(b)).toEqual([{ kind: 'ack' }, { kind: 'ack' }]);
    expect(report.get('m0')).toEqual({ settlement: 'filtered' });
    expect(report.get('m1')).toEqual({ settlement: 'ack' });
    expect(only.runs).toEqual(['replier:hi']);
    const delta = only.recorder.takeDelta({ worker: 'w', isolate: 'i', at: 0, health: [] });
    expect(delta.agents).toEqual([
      expect.objectContaining({ agent: 'replier', intent: 'SocialMessageCreated', count: 1, filtered: 1 }),
    ]);
    expect(delta.hops?.map((h) => h.agent)).toEqual(['replier']);
    // The queue saw two messages and both left it: a filtered one is not lost.
    expect(delta.queues).toEqual([expect.objectContaining({ read: 0, acked: 2 })]);
    expect(delta.ops.messages_processed).toBe(2);
  });
});
