/** A Queues broker from busFor stamps the env's BUILD_SHA on everything it sends, never over a stamp already made. */
import type { Envelope } from '@promethean/schemas/envelope';
import { describe, expect, it } from 'vitest';
import { RecordingQueue } from '../testing/queue-batch-double.ts';
import { testEnvelopes } from '../testing/test-envelopes.ts';
import { queueBusFor } from './bus-for.ts';

function accessEnv(buildSha: string | undefined) {
  const events = new RecordingQueue();
  const env = { BUS_EVENTS: events.asQueue(), ...(buildSha !== undefined && { BUILD_SHA: buildSha }) };
  return { events, env };
}

const ALL_TO_EVENTS = [{ pattern: 'promethean.>', binding: 'BUS_EVENTS' }] as const;

describe('queueBusFor build_sha', () => {
  it('stamps build_sha on single and batched sends (gateway events, health)', async () => {
    const { events, env } = accessEnv('abc1234');
    const broker = queueBusFor(env, { bindings: ['BUS_EVENTS'], routes: ALL_TO_EVENTS });
    const make = testEnvelopes();
    await broker.publish(make.health('discord-gateway'));
    await broker.publishMany([make.chat('one'), make.chat('two')]);
    expect(events.sent.map((m) => (m.body.envelope as Envelope).build_sha)).toEqual([
      'abc1234',
      'abc1234',
      'abc1234',
    ]);
  });

  it('keeps a stamp the runtime already made, and stamps nothing without a BUILD_SHA', async () => {
    const stamped = accessEnv('abc1234');
    const make = testEnvelopes();
    await queueBusFor(stamped.env, { bindings: ['BUS_EVENTS'], routes: ALL_TO_EVENTS }).publish({
      ...make.chat('agent output'),
      build_sha: 'from-runtime',
    });
    expect((stamped.events.sent[0]?.body.envelope as Envelope | undefined)?.build_sha).toBe('from-runtime');
    const bare = accessEnv(undefined);
    await queueBusFor(bare.env, { bindings: ['BUS_EVENTS'], routes: ALL_TO_EVENTS }).publish(
      make.chat('plain'),
    );
    expect(bare.events.sent[0]?.body.envelope).not.toHaveProperty('build_sha');
  });
});
